// Builds the portal into dist/: one ES module bundle (and its lazily loaded chunks) and one stylesheet, each
// named by a hash of its content, index.html pointing at them, and a .br and .gz twin of every text file (the
// gateway serves the twin the browser accepts). `node build.mjs` (what `make web` runs).
import { build } from "esbuild";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const dist = join(here, "dist");

rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, "assets"), { recursive: true });

const result = await build({
  entryPoints: [join(here, "src/main.jsx")],
  bundle: true,
  minify: true,
  splitting: true,
  format: "esm",
  target: "es2020",
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  chunkNames: "chunks/[name]-[hash]",
  assetNames: "[name]-[hash]",
  publicPath: "/assets/",
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const entry = Object.entries(result.metafile.outputs).find(([, out]) => out.entryPoint?.endsWith("src/main.jsx"));
const url = (file) => "/" + relative(dist, join(here, file)).split("\\").join("/");
const script = url(entry[0]);
const style = entry[1].cssBundle ? url(entry[1].cssBundle) : null;

let html = readFileSync(join(here, "index.html"), "utf8");
html = html.replace("<!--app-style-->", style ? `<link rel="stylesheet" href="${style}">` : "");
html = html.replace("<!--app-script-->", `<script type="module" src="${script}"></script>`);
writeFileSync(join(dist, "index.html"), html);
if (existsSync(join(here, "public"))) cpSync(join(here, "public"), dist, { recursive: true });

const compressible = /\.(js|css|html|svg|json|webmanifest|txt)$/;
let total = 0;
function compress(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) { compress(path); continue; }
    if (!compressible.test(name)) continue;
    const data = readFileSync(path);
    const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
    writeFileSync(path + ".br", br);
    writeFileSync(path + ".gz", gzipSync(data, { level: 9 }));
    total += br.length;
  }
}
compress(dist);
console.log(`portal: ${script}${style ? " " + style : ""} (${(total / 1024).toFixed(1)} KB br en total)`);
