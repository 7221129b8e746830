"""Word lists the offline analyzer reasons with.

Kept apart from the rules so they can grow without touching logic. They describe how
English news attributes statements in general; nothing here names a corpus article.
"""

from __future__ import annotations

import re

# Verbs (and verb phrases) that attribute a statement to whoever is their subject.
SPEECH_VERBS = (
    "said otherwise", "has said", "declined to comment", "did not respond", "did not reply",
    "did not immediately respond", "did not immediately reply", "did not return",
    "could not immediately be reached", "declined to immediately comment",
    "did not respond immediately", "has not responded", "have not responded",
    "refused to comment", "refused to be drawn", "would not comment", "could not be reached",
    "is quoted as saying", "was quoted as saying", "quoted as saying", "played down",
    "said", "says", "say", "saying", "told", "tells", "tell", "warned", "warns", "warn", "warning",
    "added", "adds", "confirmed", "confirms", "confirm", "claimed", "claims", "claim", "claiming",
    "stated", "states", "announced", "announces", "urged", "urges", "urging", "wrote", "writes",
    "tweeted", "posted", "revealed", "reveals", "insisted", "insists", "argued", "argues",
    "believes", "suggested", "suggests", "explained", "explains", "noted", "notes",
    "admitted", "admits", "denied", "denies", "reported", "reports", "found", "finds",
    "show", "shows", "showed", "estimated", "estimates", "predicted", "predicts",
    "acknowledged", "conceded", "dismissed", "alleged", "alleges", "concluded", "concludes",
    "disclosed", "stressed", "cautioned", "maintained", "asserted", "testified", "ruled",
    "reminded", "written", "did not say", "objected", "objects",
    "proposes", "proposed", "recommends", "recommended", "called", "calls", "described",
    "describes", "accused", "accuses", "questioned", "questions", "disputed", "disputes",
    "challenged", "criticised", "criticized", "criticises", "criticizes", "welcomed",
    "welcomes", "praised", "agreed", "agree", "agrees", "fear", "fears", "feared", "believe",
    "believed", "expect", "expects", "doubt", "doubts", "pointed out", "points out",
    "rejected", "rejects", "replied", "responded", "commented", "emphasised", "emphasized",
    "told reporters", "admit", "expected", "had expected", "vowed", "understands", "has learned",
    "has learnt",
    "can reveal", "can confirm", "promised", "pledged", "hinted", "speculated",
)
# Verbs of doing research: they attribute only when the subject is a researcher or a study
# ("researchers at X followed 48,000 adults"), never for "police followed the suspect".
RESEARCH_VERBS = ("followed", "tracked", "analysed", "analyzed", "surveyed", "examined",
                  "studied", "interviewed", "compared", "measured", "looked at", "reviewed")
RESEARCH_HEADS = {"researchers", "researcher", "scientists", "scientist", "team", "authors",
                  "study", "studies", "research", "survey", "analysis", "trial", "review",
                  "academics", "economists", "statisticians", "investigators"}
# Past participles that, after a form of "be", make a passive, not an attribution:
# "doctors have been told", "40 patients have been admitted", "it is said to be".
PASSIVE_PARTICIPLES = {"said", "told", "reported", "found", "admitted", "claimed", "confirmed",
                       "denied", "estimated", "shown", "warned", "urged", "described", "called",
                       "accused", "alleged", "noted", "revealed", "announced", "proposed",
                       "recommended", "posted", "shared", "quoted", "believed", "feared",
                       "questioned", "disputed", "challenged", "criticised", "criticized",
                       "welcomed", "praised", "rejected", "expected", "promised"}
SOCIAL_VERBS = ("posted", "tweeted", "shared", "wrote")

# Verbs whose subject is a text rather than a person: "a study found", "figures show".
FINDING_VERBS = ("found", "finds", "show", "shows", "showed", "states", "stated", "concluded",
                 "concludes", "suggests", "suggested", "revealed", "reveals", "estimated",
                 "estimates", "predicts", "predicted", "says", "said", "proposes", "proposed",
                 "recommends", "recommended", "warns", "warned", "claims", "claimed",
                 "reported", "reports", "notes", "noted", "concluded")

PRONOUNS_PERSON = {"he", "she"}
PRONOUNS_PLURAL = {"they"}

# Heads of noun phrases that stand for unnamed people.
ANONYMOUS_HEADS = (
    "source", "sources", "insider", "insiders", "official", "officials", "expert", "experts",
    "scientist", "scientists", "researcher", "researchers", "doctor", "doctors", "nutritionist",
    "nutritionists", "analyst", "analysts", "executive", "executives", "friend", "friends",
    "aide", "aides", "diplomat", "diplomats", "critic", "critics", "observer", "observers",
    "witness", "witnesses", "resident", "residents", "neighbour", "neighbours", "neighbor",
    "neighbors", "employee", "employees", "staff", "worker", "workers", "insiders", "person",
    "people", "someone", "somebody", "one", "figure", "figures", "member", "members", "adviser",
    "advisers", "advisor", "advisors", "economist", "economists", "campaigner", "campaigners",
    "activist", "activists", "commentator", "commentators", "whistleblower", "contact",
    "relative", "relatives", "colleague", "colleagues", "teammate", "acquaintance", "manager",
    "managers", "banker", "bankers", "investor", "investors", "trader", "traders", "lawyer",
    "lawyers", "specialist", "specialists", "professional", "professionals", "nurse", "nurses",
    "physician", "physicians", "dietitian", "dietitians", "psychologist", "psychologists",
    "academic", "academics", "authority", "authorities", "spokesperson", "spokesman",
    "spokeswoman", "representative", "mole", "fan", "fans", "passenger", "passengers",
    "customer", "customers", "user", "users", "patient", "patients", "parent", "parents",
    "local", "locals", "shopper", "shoppers", "voter", "voters", "viewer", "viewers",
    "follower", "followers", "onlooker", "onlookers", "bystander", "bystanders", "cousin",
    "nurse", "paramedic", "paramedics", "engineer", "engineers", "strategist", "strategists",
    "investigator", "investigators", "prosecutor", "prosecutors", "detective", "detectives",
    "negotiator", "negotiators", "lawmaker", "lawmakers", "legislator", "legislators",
    "minister", "ministers", "mp", "mps", "councillor", "councillors", "teacher", "teachers",
    "student", "students", "pupil", "pupils", "farmer", "farmers", "owner", "owners",
    "statistician", "statisticians", "consultant", "consultants", "surgeon", "surgeons",
    "pharmacist", "pharmacists", "cardiologist", "cardiologists", "epidemiologist",
    "epidemiologists", "virologist", "virologists", "historian", "historians", "influencer",
    "influencers", "campaigner", "commentator", "blogger", "bloggers", "pal", "pals", "chum",
    "chums", "courtier", "courtiers", "reader", "readers", "listener", "listeners", "aide-de-camp",
    "confidant", "confidante", "ally",
    "allies", "co-star", "bandmate", "pundit", "pundits",
)
# Plural or generic unnamed people who are bystanders rather than authorities.
LAY_HEADS = {"fan", "fans", "passenger", "passengers", "customer", "customers", "user",
             "users", "patient", "patients", "parent", "parents", "local", "locals", "shopper",
             "shoppers", "voter", "voters", "viewer", "viewers", "follower", "followers",
             "onlooker", "onlookers", "bystander", "bystanders", "resident", "residents",
             "neighbour", "neighbours", "neighbor", "neighbors", "witness", "witnesses",
             "student", "students", "pupil", "pupils", "friend", "friends", "cousin",
             "relative", "relatives", "influencer", "influencers", "blogger", "bloggers",
             "tourists", "motorists", "cyclists", "commuters", "drivers", "guests", "diners"}
# Heads that, alone and in the plural, are appeals to a vague authority.
VAGUE_AUTHORITY_HEADS = {
    "experts", "scientists", "researchers", "doctors", "officials", "analysts", "critics",
    "observers", "economists", "specialists", "authorities", "nutritionists", "professionals",
    "studies", "academics", "many", "some", "nutritionist", "expert", "scientist", "doctor",
    "strategists", "commentators", "dietitians", "psychologists", "physicians", "engineers",
    "epidemiologists", "virologists", "historians", "lawyers", "consultants",
}
# Common words that may modify an expert noun at a sentence start ("Industry analysts",
# "Health officials"): capitalised there, but not a name.
COMMON_MODIFIERS = {
    "industry", "market", "security", "health", "defence", "defense", "government",
    "intelligence", "military", "police", "legal", "medical", "financial", "political",
    "city", "tech", "technology", "energy", "climate", "oil", "bank", "banking", "economic",
    "election", "public", "local", "federal", "state", "regional", "independent", "senior",
    "top", "leading", "many", "some", "other", "several", "few", "most", "two", "three",
    "four", "both", "these", "those", "such", "western", "foreign", "diplomatic", "aviation",
    "transport", "housing", "education", "school", "hospital", "club", "team",
    "transfer", "football", "science", "sports", "fashion", "music", "film",
    "palace", "party", "campaign", "company", "union", "trade", "insurance", "shipping",
    "crypto", "farming", "mining", "construction", "rail", "airline", "media", "cyber",
    "privacy", "tax", "aid", "weather", "space", "chip", "software", "consumer",
    "car", "motor", "steel", "gas", "power", "water", "tourism", "travel", "wine", "art",
    "research", "conservation", "marine", "child", "youth", "sport", "rugby", "cricket",
    "tennis", "golf", "boxing", "racing", "wildlife", "border", "immigration",
    "investment", "retail", "property", "food", "safety", "environmental", "nuclear",
}
# Lower-case nouns that name an institution: "the national statistics office", "the ministry".
INSTITUTION_HEADS = {
    "office", "ministry", "department", "agency", "bureau", "council", "government",
    "police", "commission", "authority", "regulator", "watchdog", "court", "company", "firm",
    "club", "union", "bank", "army", "military", "navy", "party", "board", "hospital",
    "university", "school", "trust", "charity", "airline", "insurer", "carrier", "group",
    "institute", "kremlin", "white house", "pentagon", "embassy", "prosecutor's office",
    "service", "administration", "cabinet", "committee", "federation", "association",
}
# People words that need a qualifier to be a source ("people familiar with the matter").
# People who stay unnamed even when a named body qualifies them: "a Conservative Party
# source", "Kremlin insiders", "White House officials". (Contrast "Berwick analysts", whose
# note is the firm's on-record view.)
UNNAMED_HEADS = {"source", "sources", "insider", "insiders", "official", "officials", "aide",
                 "aides", "figure", "figures", "employee", "employees", "staffer", "staffers",
                 "executive", "executives", "ally", "allies", "adviser", "advisers", "advisor",
                 "advisors", "diplomat", "diplomats", "friend", "friends", "colleague",
                 "colleagues", "worker", "workers", "mole", "whistleblower", "confidant",
                 "confidante", "member", "members", "mp", "mps", "backbencher", "backbenchers",
                 "minister", "ministers", "operative", "operatives", "strategist", "strategists"}
# Job words that are a source with an indefinite article ("one senior manager said").
ROLE_HEADS_INDEFINITE = {"manager", "managers", "member", "members", "figure", "figures",
                         "contact"}
NEEDS_QUALIFIER = {"people", "person", "one", "someone", "somebody", "figure", "figures",
                   "member", "members", "contact", "manager", "managers"}
QUALIFIERS = re.compile(
    r"\b(familiar with|close to|with knowledge of|briefed(?: on)?|aware of|involved in|"
    r"who works?|who worked|at (?:the|a|an)|in (?:the|a)|from (?:the|a)|inside|within|"
    r"of the people)\b",
    re.I,
)

SPOKES_HEADS = ("spokesperson", "spokesman", "spokeswoman", "representative", "press office",
                "press officer", "statement")
# People who speak for someone named: "lawyers for Grant", "Mr Haines's spokesman".
SPEAKS_FOR_HEADS = SPOKES_HEADS + ("lawyer", "attorney", "solicitor", "agent", "publicist",
                                   "legal team", "manager", "aide")

# Heads of noun phrases that are texts.
DOCUMENT_HEADS = (
    "study", "studies", "research", "report", "reports", "survey", "analysis", "paper",
    "assessment", "review", "audit", "poll", "minutes", "data", "statistics", "documents",
    "document", "filing", "filings", "memo", "letter", "records", "findings", "trial",
    "investigation", "inquiry", "dossier", "briefing", "guidance", "figures", "budget",
    "proposals", "white paper", "manifesto", "ruling", "judgment", "indictment", "lawsuit",
    "transcript", "forecast", "forecasts", "accounts", "evaluation", "consensus", "estimates",
    "projections", "index", "rankings", "league table", "census", "database", "dataset",
)
STUDY_HEADS = {"study", "studies", "research", "survey", "analysis", "paper", "trial", "poll",
               "findings", "report"}
# A document head taken as "reports in Spain" / "media reports" is an outlet, not a text.
OUTLET_REPORT = re.compile(
    r"\b(?:(?:media|press|news|local|state|foreign|newspaper|tabloid)\s+reports?|"
    r"reports?\s+(?:in|from)\s+(?:the\s+)?[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)",
)

OUTLETS = {
    "page six", "us weekly", "e! news", "nrk", "ruv", "rte", "svt", "dr", "yle", "orf", "zdf",
    "ard", "rai", "tf1", "nhk", "abc news", "cbs news", "nbc news", "fox news", "sky news",
    "bbc", "cnn", "reuters", "ap", "afp", "associated press", "bloomberg", "the guardian",
    "guardian", "the times", "the sun", "sun", "mirror", "the mirror", "daily mirror",
    "mailonline", "daily mail", "the daily mail", "mail on sunday", "the telegraph",
    "telegraph", "the independent", "independent", "the observer", "financial times", "ft",
    "the economist", "new york times", "the new york times", "nyt", "washington post",
    "the washington post", "wall street journal", "the wall street journal", "wsj", "axios",
    "politico", "the atlantic", "newsweek", "time", "msnbc", "nbc", "abc", "cbs",
    "itv", "itv news", "channel 4 news", "al jazeera", "le monde", "le figaro",
    "der spiegel", "spiegel", "bild", "die welt", "el pais", "el país", "marca", "as",
    "la repubblica", "corriere della sera", "gazzetta dello sport", "l'equipe", "l'équipe",
    "tass", "ria novosti", "interfax", "kommersant", "meduza", "novaya gazeta", "xinhua",
    "global times", "kyodo", "yonhap", "the hill", "buzzfeed", "huffpost", "vice",
    "the express", "express", "daily express", "the metro", "metro", "evening standard",
    "the scotsman", "the herald", "the sunday times", "the daily telegraph", "npr", "pbs",
    "usa today", "los angeles times", "la times", "the australian", "cnbc",
    "business insider", "the verge", "techcrunch", "wired", "vox", "semafor",
    "the information", "nikkei", "south china morning post", "scmp", "dw", "france 24",
    "euronews", "rfe/rl", "radio free europe", "kyiv independent", "ukrainska pravda",
    "the new yorker", "rolling stone", "variety", "the hollywood reporter", "tmz", "people",
    "daily star", "the daily star", "dailymail", "the i", "gb news", "lbc", "talksport",
    "the athletic", "athletic", "espn", "sky sports", "bbc sport", "goal.com", "heat", "ok!",
    "hello!", "the daily beast", "daily beast", "the intercept", "propublica", "bbc news",
    "the mail on sunday", "the sunday telegraph", "the sunday mirror", "sunday mirror",
    "the new york post", "new york post", "ny post", "the washington times", "the times of india",
    "the hindu", "haaretz", "the jerusalem post", "al arabiya", "anadolu", "efe", "ansa",
    "dpa", "pa media", "press association", "the canadian press", "cbc", "ctv", "the age",
    "sydney morning herald", "the irish times", "irish independent", "bloomberg news",
    "marketwatch", "barron's", "forbes", "fortune", "cnet", "ars technica", "engadget",
    "the register", "404 media", "puck", "the free press", "daily record", "the national",
}
OUTLET_WORDS = {
    "gazette", "times", "post", "herald", "tribune", "journal", "mirror", "mail", "express",
    "telegraph", "guardian", "observer", "chronicle", "news", "record", "echo", "courier",
    "standard", "bulletin", "dispatch", "examiner", "inquirer", "enquirer", "argus", "advertiser",
    "sentinel", "gleaner", "monitor", "reporter", "tv", "radio", "television", "broadcasting",
    "mailonline", "online", "press", "newspaper", "magazine", "daily", "weekly", "sunday",
    "sport", "sports", "zeitung", "tageblatt", "kurier", "dagblad", "nieuwsblad",
}
# First words of newspaper titles in other languages: "Corriere dello Sport", "Diario AS".
OUTLET_LEAD_WORDS = {"corriere", "gazzetta", "gazeta", "diario", "giornale", "jornal", "journal"}
OUTLET_ROLE_WORDS = {"newspaper", "paper", "tabloid", "broadsheet", "outlet", "magazine",
                     "broadcaster", "channel", "website", "daily", "weekly", "network",
                     "news agency", "agency", "site", "publication", "station", "newsletter",
                     "blog", "podcast", "wire", "trade paper", "trade publication"}

SOCIAL_PLATFORMS = {
    "twitter": "Twitter", "x": "X", "facebook": "Facebook", "instagram": "Instagram",
    "tiktok": "TikTok", "telegram": "Telegram", "youtube": "YouTube", "reddit": "Reddit",
    "whatsapp": "WhatsApp", "threads": "Threads", "bluesky": "Bluesky", "truth social":
    "Truth Social", "weibo": "Weibo", "vk": "VK", "vkontakte": "VKontakte", "linkedin":
    "LinkedIn", "snapchat": "Snapchat", "substack": "Substack", "mastodon": "Mastodon",
    "wechat": "WeChat", "discord": "Discord", "twitch": "Twitch",
}
SOCIAL_CONTEXT = re.compile(
    r"\b(?i:on|via|to|(?:in\s+)?an? (?:post|video|message|tweet|story|rant|statement|thread) on)\s+"
    r"(?:the\s+)?(?:(?:app|platform|site|social network|messaging app|social media site)\s+)?"
    r"(Truth Social|[A-Z][A-Za-z]*)\b"
)
SOCIAL_WORDS = re.compile(r"\b(tweet(?:ed|s)?|posted|post|video|message|story|rant|caption|"
                          r"livestream|channel|account|feed)\b", re.I)

ORG_WORDS = {
    "alliance", "coalition", "network", "forum", "society", "movement", "initiative",
    "partnership", "consortium", "league", "collective", "taskforce", "observatory",
    "agency", "council", "ministry", "department", "office", "bank", "group", "securities",
    "energy", "power", "inc", "ltd", "llc", "plc", "corp", "corporation", "company", "co",
    "university", "institute", "commission", "authority", "police", "party", "government",
    "kremlin", "pentagon", "association", "foundation", "committee", "court", "service",
    "services", "board", "federation", "union", "club", "united", "city", "fc", "organisation",
    "organization", "centre", "center", "labs", "holdings", "partners", "capital", "trust",
    "systems", "technologies", "motors", "airlines", "airways", "bureau",
    "administration", "parliament", "senate", "congress", "assembly", "cabinet", "army", "navy",
    "forces", "command", "hospital", "clinic", "school", "college", "academy", "fund",
    "council's", "nhs", "un", "eu", "nato", "who", "imf", "fbi", "cia", "mi5", "mi6", "ons",
    "fda", "cdc", "ecb", "fed", "opec", "interpol", "unicef", "unesco", "wto", "oecd",
    "pharmaceuticals", "pharma", "insurance", "investments", "industries", "international",
    "global", "media", "consulting", "solutions", "railways", "rail", "water", "oil", "gas",
    "mining", "steel", "foods", "brands", "electric", "telecom", "communications", "software",
    "ventures", "advisors", "advisers", "management", "stores", "retail", "airport", "port",
    "treasury", "executive", "secretariat", "house", "chamber", "lab", "laboratory",
    "palace", "street", "england", "scotland", "wales", "embassy", "consulate", "regiment",
    "pictures", "studios", "studio", "films", "entertainment", "records", "productions",
    "games", "publishing", "publishers", "charity", "watchdog", "regulator", "staff",
}
TITLE_WORDS = {
    "president", "prime", "minister", "secretary", "mr", "mrs", "ms", "miss", "dr", "doctor",
    "professor", "prof", "general", "major-general", "lieutenant-general", "brigadier",
    "retired", "sir", "dame", "lord", "lady", "admiral", "rear", "rear-admiral",
    "vice-admiral", "commodore", "air", "lieutenant-colonel", "lieutenant-commander",
    "commander", "brig", "maj", "gen.", "gen", "col.", "lt.", "maj.", "brig.", "supt", "det", "warlord", "cardinal", "sheikh", "emir", "crown", "baron",
    "baroness", "senator", "sen",
    "representative", "rep", "congressman", "congresswoman", "judge", "justice", "chancellor",
    "governor", "gov", "mayor", "king", "queen", "prince", "princess", "pope", "chief",
    "captain", "capt", "colonel", "col", "lieutenant", "lt", "sergeant", "sgt", "detective",
    "inspector", "superintendent", "commissioner", "ambassador", "marshal", "field",
    "former", "deputy", "vice", "acting", "interim", "defence", "defense", "foreign", "health",
    "home", "finance", "leader", "councillor", "councilman", "councilwoman", "alderman",
    "bishop", "archbishop", "rabbi", "imam", "father", "reverend", "rev", "st", "coach",
    "manager", "chairman", "chairwoman", "chair", "ceo", "cfo", "coo", "cto", "founder",
    "director", "head", "spokesman", "spokeswoman", "spokesperson", "economist", "analyst",
    "opposition", "labour", "conservative", "tory", "democrat", "republican", "mp", "mep",
    "state", "attorney", "solicitor", "barrister", "officer", "constable", "pc", "mayor's",
    "striker", "midfielder", "defender", "goalkeeper", "boss", "veteran", "expert", "author",
}
# Titles that only ever stand before a person's name: "Dr Ames", "Mr Justice Hollis".
HONORIFICS = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "justice", "judge", "sen", "senator", "rep", "congressman", "congresswoman", "gen",
    "general", "col", "colonel", "capt", "captain", "sgt", "sergeant", "det", "detective",
    "insp", "inspector", "supt", "superintendent", "cllr", "councillor", "rev", "reverend",
    "father", "rabbi", "imam", "bishop", "archbishop", "cardinal", "sheikh", "mayor",
    "governor", "ambassador", "baroness", "baron", "admiral", "commander", "lieutenant", "lt",
}
# Titles before a single name that still make it a person's: "Prince Andrew", "Dr Ames".
PERSON_TITLES = HONORIFICS | {"prince", "princess", "king", "queen"}
# Further nouns that make an appositive a role: "Frank Devlin, a library user, said".
ROLE_EXTRA = {
    "member", "author", "user", "organiser", "organizer", "cardiologist", "partner",
    "resident", "owner", "candidate", "head", "leader", "mother", "father", "wife", "husband",
    "son", "daughter", "sister", "brother", "widow", "survivor", "victim", "pensioner",
    "student", "teacher", "volunteer", "shopkeeper", "landlord", "tenant", "fellow", "dean",
    "principal", "headteacher", "chairman", "president", "secretary", "boss", "co-founder",
    "gp", "mp", "vet", "nurse", "midwife", "paramedic", "pharmacist", "dentist", "surgeon",
    "consultant", "lecturer", "researcher", "scientist", "analyst", "economist",
    "administrator", "commissioner", "coordinator", "co-ordinator", "officer", "official",
    "adviser", "advisor", "strategist", "co-author", "investigator", "commander", "curator",
    "editor", "correspondent", "campaigner", "activist", "prosecutor", "inspector", "planner",
    "engineer", "negotiator", "envoy", "diplomat", "ambassador", "deputy", "trustee",
    "historian", "professor", "lawyer", "barrister", "solicitor", "judge", "witness", "juror",
    "neighbour", "neighbor", "friend", "colleague", "employee", "worker", "fan", "customer",
    "patient", "parent", "farmer", "driver", "pilot", "doctor", "chef", "coach", "captain",
}
# Lower-case role nouns that may stand before a name: "defence secretary Ben Wallace".
ROLE_NOUNS = {
    "secretary", "minister", "president", "leader", "councillor", "manager", "warlord",
    "spokesperson", "spokesman", "spokeswoman", "chief", "director", "professor", "analyst",
    "economist", "expert", "chairman", "chairwoman", "chair", "executive", "founder", "ceo",
    "governor", "mayor", "senator", "lawyer", "attorney", "judge", "general", "commander",
    "officer", "ambassador", "envoy", "adviser", "advisor", "aide", "scientist", "researcher",
    "doctor", "surgeon", "author", "editor", "journalist", "reporter", "correspondent", "coach",
    "boss", "owner", "striker", "midfielder", "defender", "goalkeeper", "captain", "player",
    "star", "singer", "actor", "actress", "presenter", "host", "mp", "lawmaker", "legislator",
    "politician", "oligarch", "billionaire", "businessman", "businesswoman", "entrepreneur",
    "investor", "banker", "activist", "campaigner", "veteran", "official", "head", "deputy",
    "chancellor", "premier", "dictator", "commissioner", "inspector", "detective", "representative", "congressman", "congresswoman", "candidate", "nominee", "historian",
    "academic", "lecturer", "physician", "nurse", "pilot", "prosecutor", "barrister",
}
NATIONALITIES = re.compile(
    r"^(?:British|American|Russian|Ukrainian|French|German|Spanish|Italian|Chinese|Japanese|"
    r"Indian|Israeli|Iranian|Turkish|Polish|Dutch|Belgian|Swiss|Swedish|Norwegian|Danish|"
    r"Finnish|Irish|Scottish|Welsh|English|Canadian|Australian|Brazilian|Mexican|Korean|"
    r"Saudi|Syrian|Iraqi|Afghan|Pakistani|Egyptian|Nigerian|Western|European|Chechen|"
    r"Belarusian|Georgian|Greek|Portuguese|Austrian|Czech|Hungarian|Romanian|Serbian|Arab|"
    r"Palestinian|Lebanese|US|UK|EU|Kremlin|Whitehall|Downing|Pentagon|Senior|Top|Leading|"
    r"Former|Retired)$"
)

# Words that start a sentence in capitals but never begin a name.
STOP_CAPS = {
    "never", "remember", "always", "please", "note", "imagine", "consider", "look", "just",
    "perhaps", "maybe", "indeed", "instead", "nobody", "everyone", "everybody", "someone",
    "somebody", "anyone", "none", "nothing", "everything", "both", "each", "every", "neither",
    "either", "such", "whatever", "whoever", "i'd", "i’d", "i'm", "i’m", "i've", "i’ve",
    "we're", "we’re", "they're", "they’re", "let", "don't", "don’t", "do", "did", "does",
    "readers", "users", "viewers", "listeners", "fans", "people", "customers",
    "the", "a", "an", "but", "and", "or", "so", "yet", "in", "on", "at", "for", "to", "of",
    "this", "that", "these", "those", "his", "her", "their", "its", "our", "my", "your", "it",
    "he", "she", "they", "we", "i", "you", "if", "when", "while", "after", "before", "since",
    "as", "however", "meanwhile", "also", "then", "now", "still", "even", "only", "last",
    "next", "new", "one", "two", "three", "some", "many", "most", "all", "any", "no", "not",
    "there", "here", "what", "who", "which", "why", "how", "where", "although", "though",
    "because", "with", "without", "from", "by", "about", "under", "over", "during", "across",
    "get", "read", "source", "earlier", "later", "today", "yesterday", "tomorrow",
    "breaking", "update", "exclusive", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "faced", "figures",
    "another", "apparently", "reportedly", "allegedly", "speaking", "asked", "according",
    "separately", "finally", "overall", "elsewhere", "other", "several", "few", "more", "less", "much", "urgent", "share", "like", "is", "are", "was", "were",
    "has", "have", "had", "will", "would", "could", "should", "can", "might", "must",
    "it's", "it’s", "there's", "there’s", "that's", "that’s",
}

# Hedging and rumour markers. Each pattern's match is the marker as written.
RUMOUR_HEDGES = (
    # With their auxiliary, as readers quote them: "is alleged to have", "are also said to be".
    r"(?:it\s+)?(?:is|are|was|were|has\s+been|have\s+been)\s+(?:also\s+|widely\s+|now\s+)?"
    r"(?:alleged|believed|thought|said|understood|claimed|rumou?red|reported)"
    r"(?:\s+to(?:\s+(?:have|be))?)?",
    r"(?:widely|generally)\s+(?:believed|thought|expected)",
    r"(?:has|have|had)\s+not\s+been\s+(?:independently\s+)?(?:verified|confirmed)",
    r"rumou?red", r"rumou?rs?", r"reportedly", r"allegedly", r"alleged", r"purportedly",
    r"(?:is|are|was|were|it['’]s|it is)\s+said\s+to\s+be", r"said\s+to\s+be", r"speculation",
    r"(?:not\s+)?(?:thought|believed|understood)\s+to\s+be", r"it\s+is\s+thought",
    r"speculated", r"unconfirmed", r"unverified", r"claims?", r"claimed", r"claiming",
    r"is\s+understood\s+to", r"it\s+is\s+understood", r"tipped\s+to", r"linked\s+with",
    r"according\s+to\s+(?:media\s+|press\s+|unconfirmed\s+)?reports",
    r"(?:sources|reports|insiders)\s+(?:say|said|suggest|suggested|claim|indicate)",
    r"it\s+is\s+believed",
    r"believed\s+to", r"thought\s+to\s+be", r"whispers?", r"gossip",
)
UNCERTAINTY_HEDGES = (
    r"(?:could|may|might)\s+(?:not\s+)?(?:yet\s+|also\s+|still\s+|even\s+|well\s+|soon\s+)?"
    r"(?:have\s+been\s+|have\s+|be\s+)?(?:[a-z]+ly\s+)?[a-z]+"
    r"(?:\s+(?:out|up|off|down|back|over|away|ahead|higher|lower))?",
    r"possibly",
    r"potentially", r"perhaps", r"apparently", r"appear(?:s|ed)?\s+to(?:\s+(?:be|have|show))?",
    r"seem(?:s|ed)?\s+to(?:\s+be)?", r"unclear",
    r"(?:is|are|was|were)\s+(?:more\s+|less\s+)?likely\s+to(?:\s+[a-z]+)?", r"likely\s+to\s+[a-z]+",
    r"(?:more|most)\s+likely", r"likely\s+to", r"expected\s+to", r"set\s+to",
    r"about(?=\s+[$£€]?\d)", r"around(?=\s+[$£€]?\d)", r"as\s+many\s+as", r"up\s+to(?=\s+(?:[$£€]?\d|one|two|three|four|five|six|seven|eight|nine|ten|half|a\s+third)\b)",
    r"estimated", r"suggest(?:s|ed)?", r"(?:is|are)\s+feared", r"fears?\s+(?:that|over)",
    r"linked\s+to", r"associated\s+with", r"roughly", r"approximately", r"an\s+estimated",
    r"nearly(?=\s+[$£€]?\d)", r"(?:not\s+)?expected\s+to",
    r"on\s+course\s+to", r"poised\s+to",
)
RUMOUR_WORDS = re.compile(
    r"\b(rumou?r|reportedly|allegedly|alleged|purportedly|said to be|speculat|unconfirmed|"
    r"unverified|claims?\b|claimed|claiming|tipped|whisper|gossip|understood|believed to)",
    re.I,
)

EMOTIVE_WORDS = re.compile(
    r"\b(shock(?:ing|ed)?|horror|horrif\w+|terrif\w+|alarming|scary|deadly|killer|"
    r"bombshell|slam(?:s|med)?|blast(?:s|ed)?|rant|meltdown|chaos|nightmare|doomed|panic|"
    r"outrage\w*|furious|fury|disaster|catastroph\w+|devastat\w+|explosive|sinister|"
    r"desperat\w+|reckless\w*|insane|crazy|unbelievable|incredible|jaw-dropping|"
    r"mind-blowing|destroy\w*|evil|traitor\w*|wake up|hiding (?:this|the truth)|"
    r"they don['’]t want you|years off your life|your life|die early|think twice|"
    r"basically dessert|toxic|poison\w*|miracle|cure-all|secret bunker|mysterious|stunned|"
    r"baffled|big pharma|doesn['’]t want you to know|won['’]t tell you|heartbreaking)\b",
    re.I,
)
CALL_TO_ACTION = re.compile(
    r"\b(share (?:this|it|before|now|with|widely)|forward (?:this|it|to)|spread the word|"
    r"before (?:it|this|they)(?:['’]s|\s+(?:gets|is|are|get))? (?:deleted|removed|taken down|"
    r"censored|banned)|click (?:the|this|here|on the) link|get (?:our|your) free|"
    r"withdraw (?:your|all)|act now|sign (?:the|this|our) petition|tell everyone|"
    r"repost|retweet|send (?:this|it) to|pass (?:this|it) on|don['’]t (?:let|wait)|"
    r"call your|buy now|stock up|order (?:yours|now|today|online)|(?:buy|get|grab|claim) yours|"
    r"limited stock|while stocks last|before stocks run out)\b",
    re.I,
)
AGGREGATOR_BOILERPLATE = re.compile(
    r"(read (?:the )?full (?:article|story)|for more stories like this|"
    r"get in touch with our news team|\[email\s*protected\]|this article (?:was )?originally "
    r"(?:appeared|published)|originally published (?:on|by|at)|read more at|"
    r"^source:\s|syndicated (?:from|by)|via [a-z]+\.(?:com|co\.uk)|"
    r"click here to read|continue reading|sign up for our newsletter|"
    r"subscribe to our|follow us on)",
    re.I | re.M,
)
NUMBER = re.compile(r"(?:[$£€¥]\s?\d|\d[\d,.]*\s?(?:%|per ?cent|percent|bn|billion|million|m\b|"
                    r"k\b|years?|homes|people|goals|games)|\b\d{2,}\b|\b\d+\b)", re.I)
DATE = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tomorrow|yesterday|"
    r"this (?:week|month|year|summer|spring|autumn|winter)|last (?:week|month|year|night)|"
    r"next (?:week|month|year)|january|february|march|april|june|july|august|september|"
    r"october|november|december|(?:19|20)\d\d)\b",
    re.I,
)
