// Every page of the portal. Each area keeps its own list in pages/<area>/routes.js (one file per area, so
// that people working on different roles never edit the same file); this file only joins them.
import accountRoutes from "./pages/account/routes.js";
import adminRoutes from "./pages/admin/routes.js";
import chatRoutes from "./pages/chat/routes.js";
import citizenRoutes from "./pages/citizen/routes.js";
import courtRoutes from "./pages/court/routes.js";
import lawyerRoutes from "./pages/lawyer/routes.js";
import protocolRoutes from "./pages/protocol/routes.js";
import publicRoutes from "./pages/public/routes.js";
import recordsRoutes from "./pages/records/routes.js";

export const routes = [
  ...publicRoutes,
  ...accountRoutes,
  ...lawyerRoutes,
  ...courtRoutes,
  ...citizenRoutes,
  ...protocolRoutes,
  ...recordsRoutes,
  ...chatRoutes,
  ...adminRoutes,
];
