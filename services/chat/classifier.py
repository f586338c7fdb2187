"""Every inbound message is classified as ``queja`` (a complaint or disagreement), ``sugerencia`` or ``consulta``,
by transparent Spanish rules that run here (no hosted model), and the cues it matched are kept with it, so a
person can see why and correct it.

How: the text is folded (lower case, accents removed, letters repeated three or more times made one,
common misspellings and chat abbreviations written out: "q" -> "que", "xq" -> "porque", "nadien" ->
"nadie"), then matched against cues, each a regular expression over the folded text with a weight:

- complaint cues: words of complaint or disagreement ("queja", "inconforme", "pésimo", "falta de respeto"),
  unanswered contact ("nadie contesta", "no me atienden", "sin respuesta"), time that has passed
  ("llevo tres semanas", "desde hace meses", "todavía no", "sigo esperando"), and sarcasm ("gracias por
  nada", praise next to waiting);
- suggestion cues ("sugiero", "sería bueno que", "podrían habilitar", "me gustaría que");
- a cue is void when a negation comes just before it ("no es queja", "no estoy inconforme") or when it
  names a legal remedy rather than a grievance ("recurso de queja", "queja administrativa" as a question
  about the procedure).

The label: ``queja`` when the complaint weight reaches ``COMPLAINT_THRESHOLD``; else ``sugerencia`` when a
suggestion cue matched; else ``consulta``.
"""
import re
import unicodedata
from dataclasses import dataclass

QUEJA, CONSULTA, SUGERENCIA = "queja", "consulta", "sugerencia"
LABELS = (QUEJA, CONSULTA, SUGERENCIA)
COMPLAINT_THRESHOLD = 2

# chat spellings and common misspellings, written out (on folded words)
SPELLINGS = {
    "q": "que", "k": "que", "ke": "que", "xq": "porque", "pq": "porque", "porq": "porque", "x": "por",
    "tmb": "tambien", "tb": "tambien", "nadien": "nadie", "aser": "hacer", "ase": "hace", "asen": "hacen",
    "asta": "hasta", "aun": "aun", "ahi": "ahi", "nunk": "nunca", "nunka": "nunca", "pesimos": "pesimo",
    "pesima": "pesimo", "pesimas": "pesimo", "semans": "semanas", "contestn": "contestan", "ya.": "ya",
    "msj": "mensaje", "msjs": "mensajes", "info": "informacion", "d": "de", "xfa": "por favor", "pls": "por favor",
    "porfa": "por favor", "grax": "gracias", "xk": "porque", "aki": "aqui", "sta": "esta", "toy": "estoy",
    "hrs": "horas", "hr": "hora", "min": "minutos",
}

NUMBER = r"(?:\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|veinte|treinta|varios|varias|muchos|muchas|mas de \w+)"
UNIT = r"(?:dias|semanas|meses|anos|mes|semana|ano|horas)"
NEGATION = r"(?:no|ni|nunca|sin|tampoco)"


@dataclass(frozen=True)
class Cue:
    name: str
    pattern: re.Pattern
    weight: int
    negatable: bool = True


def _cue(name, pattern, weight, negatable=True):
    return Cue(name, re.compile(r"(?<![a-z0-9])(?:" + pattern + r")(?![a-z0-9])"), weight, negatable)


COMPLAINT_CUES = (
    # complaint and disagreement, said as such
    _cue("queja", r"queja|quejas|quejarme|me quejo|presentar (?:una )?queja|poner (?:una )?queja", 2),
    _cue("inconformidad", r"inconforme|inconformes|inconformidad|desacuerdo|no estoy de acuerdo|no es justo|injusto|"
                         r"injusticia|no hay derecho", 2),
    _cue("reclamo", r"reclamo|reclamar|exijo|exigimos|exigir", 2),
    _cue("mal_servicio", r"pesimo|terrible|malisimo|deficiente|lamentable|verguenza|vergonzoso|indignante|"
                         r"inaceptable|inadmisible|desastre|un asco|mal servicio|mala atencion|pesima atencion|"
                         r"mal trato|maltrat[a-z]*|grosero|grosera|groseros|prepotente|prepotencia|"
                         r"despota|falta de respeto|irrespetuoso|burla|se burlan|tomadura de pelo|lento|lenta|lentitud|"
                         r"nula|nulo|absurdo|absurda|ridiculo|ridicula|que pena|una pena|me parece (?:muy )?mal", 2),
    _cue("irregularidad", r"corrupcion|corruptos|soborno|mordida|moche|irregularidad|irregular|negligencia|"
                          r"abuso|extravio|extraviaron|perdieron (?:mi|el|los|la)|traspapelaron|incompleto|faltan fojas|"
                          r"faltan hojas|pierden|perdieron", 2),
    _cue("hartazgo", r"harto|harta|hartos|cansad[oa]s?|ya basta|es el colmo|no puede ser|"
                     r"otra vez lo mismo|siempre es lo mismo|molesto|molesta|molestos|molestas|enojado|enojada|"
                     r"indignado|indignada|frustrado|frustrada|decepcionado|decepcionada|ya me canse|"
                     r"ya me canso|asi no se puede|no se puede trabajar", 2),
    _cue("no_es_posible", r"no es posible que|como es posible que|es increible que|increible que|muy mal|que mal", 1,
         False),
    # a bad experience, said plainly
    _cue("mala_experiencia", r"(?:muy |tan |que )?mal[oa]s? (?:servicio|atencion|actitud|experiencia|gana|trato|"
                             r"onda)|(?:servicio|atencion|trato) (?:tan |muy )?mal[oa]|lastima que|me indigna|"
                             r"inaudito|un caos|es un caos|odisea|no aguanto|ya no aguanto|ya no cree|"
                             r"no es coincidencia|como si estuvieramos", 2),
    # nobody answers
    _cue("sin_respuesta", r"nadie (?:me )?(?:contesta|responde|atiende|contestan|responden|atienden|hace caso|da razon|"
                          r"sabe|levanta|resuelve|dio explicacion|da explicacion)|"
                          r"no (?:me )?(?:contestan|responden|atienden|contesta|responde|atiende|dan razon|hacen caso)|"
                          r"sin (?:ninguna )?respuesta|ninguna respuesta|no hay respuesta|no he recibido respuesta|"
                          r"me ignoran|me dejaron en visto|me cuelgan|no toman la llamada|"
                          r"nunca (?:contestan|responden|atienden|hay nadie)|"
                          r"nadie (?:me |nos )?(?:quiere )?(?:decir|dice|informa|informe|avisa|aviso|da informes)|"
                          r"no (?:me |nos )?han (?:dado respuesta|contestado|respondido)|"
                          r"ni una (?:sola )?respuesta|y nada$|y nada de", 2, False),
    _cue("nadie", r"nadie", 1, False),
    _cue("sin_noticias", r"sin noticias|sin saber nada|sin informacion|no se a quien acudir|no se que hacer|"
                         r"no hay disponibilidad|no hay citas|no hay lugares|perdi (?:la|mi|el) "
                         r"(?:audiencia|termino|plazo|cita)|no me dejo|no me dejaron|me negaron|se nego|se negaron", 1,
         False),
    _cue("cancelacion", r"cancelad[oa]s?|cancelaron|suspendieron|se suspendio|difirieron", 1, False),
    _cue("sin_aviso", r"sin avisar|sin notificar|sin previo aviso|sin avisarnos|sin avisarme", 1, False),
    # time that has passed
    _cue("tiempo_transcurrido", rf"llev(?:o|a|an|amos) (?:{NUMBER} )?{UNIT}|desde hace (?:{NUMBER} )?{UNIT}|"
                                rf"ya (?:pasaron|paso|pasó) (?:{NUMBER} )?{UNIT}|"
                                rf"hace {NUMBER} {UNIT} (?:que|y|esperando|sin)|ya van {NUMBER} {UNIT}|"
                                rf"ya son {NUMBER} {UNIT}|mas de {NUMBER} {UNIT}|{NUMBER} {UNIT} esperando|"
                                rf"{NUMBER} {UNIT} sin", 1, False),
    # a span of time named with another cue ("tardaron tres meses", "hace un mes"); not counted twice with
    # tiempo_transcurrido
    _cue("duracion", rf"{NUMBER} {UNIT}", 1, False),
    _cue("sigue_sin", r"todavia no|aun no|sigo sin|sigue sin|siguen sin|seguimos sin|sigo esperando|"
                      r"seguimos esperando|hasta la fecha no|a la fecha no|hasta hoy no|nada de nada|"
                      r"ni siquiera|cuantas veces|por (?:tercera|cuarta|quinta|enesima) vez|otra vez|"
                      r"otra semana|otro mes|otro dia|una vez mas|de nuevo|no es la primera vez|"
                      r"no (?:me |nos )?han (?:notificado|entregado|acordado)|"
                      r"no (?:publica|publican|acuerdan|acuerda|notifican|radican)|"
                      r"una y otra vez|ya (?:les )?(?:escribi|llame|pregunte|fui) (?:varias|muchas|\w+) veces", 1, False),
    _cue("retraso", r"retraso|retrasado|retrasada|demora|demoran|tardan demasiado|tardanza|rezago|"
                    r"rezagado|atraso|atrasado|no avanza|esta parado|esta detenido|no se mueve|no le dan tramite|"
                    r"no ha tenido movimiento|sin movimiento", 1),
    _cue("espera", r"esperando|vueltas|regrese manana|vuelva manana|me mandan al otro", 1, False),
    _cue("espera_sin", rf"{UNIT} (?:habiles )?(?:sin|esperando)", 1, False),
    _cue("falla", r"no funciona|no sirve|esta caido|sistema caido|se cayo|caido|marca error|da error|"
                  r"falla|fallas", 1, False),
    # sarcasm
    _cue("sarcasmo", r"gracias por nada|gracias por su pronta|que (?:eficiencia|eficientes|rapidez|rapidos|"
                     r"buen servicio|bonito|bien)|"
                     r"(?:excelente|gran|maravilloso) servicio,? (?:eh|ja|jaja)|felicidades por|"
                     r"como siempre|(?:si|claro),? como no|ja(?:ja)+", 1, False),
)

SUGGESTION_CUES = (
    _cue("sugerencia", r"sugiero|sugerimos|sugerencia|sugerencias|propongo|proponemos|propuesta|proponer|"
                       r"recomiendo|recomendacion|recomendaria", 1),
    _cue("seria_bueno", r"seria (?:muy |de )?(?:bueno|util|conveniente|mejor|excelente|ideal|padre|genial|"
                        r"mucha ayuda|gran ayuda|practico|interesante|importante|necesario)|estaria (?:muy )?bien|"
                        r"convendria|ojala|me gustaria que|nos gustaria que|les pediria que|"
                        r"(?:podrian|deberian|pudieran) (?:implementar|agregar|habilitar|poner|crear|"
                        r"incluir|considerar|ampliar|publicar|enviar|mandar|mejorar|permitir|hacer|dar|"
                        r"ofrecer|tener|abrir|extender)", 1),
)

# what voids a cue: a negation just before it, or a remedy named as a procedure
NEGATED = re.compile(rf"(?<![a-z0-9]){NEGATION}(?: (?!(?:que|y|pero|porque|aunque)(?![a-z]))\w+){{0,2}} $")
PROCEDURE_CONTEXT = re.compile(r"(?:(?:recurso|juicio|tramite|tramitar|interponer|plazo|promover|procedimiento|"
                               r"formato|requisitos) (?:de |del |para |la |el |una |un )*"
                               r"|(?:donde|como|ante quien|a quien)(?: \w+){0,3} )$")


@dataclass(frozen=True)
class Classification:
    label: str
    cues: tuple  # the names of the cues that counted, in order
    complaint_score: int


def fold(text: str) -> str:
    """Lower case, no accents or punctuation, letters repeated three or more times made one, chat spellings
    written out; words separated by one space."""
    text = unicodedata.normalize("NFKD", str(text or "").lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    words = re.findall(r"[a-z0-9]+|[?!]", text)
    return " ".join(SPELLINGS.get(word, word) for word in words if word not in "?!")


def _matches(cues, folded):
    found = []
    for cue in cues:
        for match in cue.pattern.finditer(folded):
            before = folded[:match.start()]
            if cue.negatable and NEGATED.search(before):
                continue
            if cue.name == "queja" and PROCEDURE_CONTEXT.search(before):
                continue
            if cue.name == "duracion" and any(c.name == "tiempo_transcurrido" for c in found):
                continue
            found.append(cue)
            break
    return found


def classify(text: str) -> Classification:
    folded = fold(text)
    complaint = _matches(COMPLAINT_CUES, folded)
    score = sum(cue.weight for cue in complaint)
    if score >= COMPLAINT_THRESHOLD:
        return Classification(QUEJA, tuple(c.name for c in complaint), score)
    suggestion = _matches(SUGGESTION_CUES, folded)
    if suggestion:
        return Classification(SUGERENCIA, tuple(c.name for c in suggestion + complaint), score)
    return Classification(CONSULTA, tuple(c.name for c in complaint), score)
