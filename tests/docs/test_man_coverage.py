#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The manual pages describe everything the command line offers.

From the C++ sources of agent/src (read as text, nothing is built), this collects
  - the objects and their commands: each Object's `.name` and `.synopsis` (the
    usage text's lines, continuation lines joined), the lines usage() adds, the
    command names of the kVerbs tables and the names of the "NAME VALUE" keywords;
  - the options: every `("name,x", po::...)` of an add_options() chain: the global
    ones (cli/command.cpp), those of a command (cli/ap.cpp) and the daemon's
    (daemon/options.cpp), whose settings() are also the config file's keys;
  - the JSON keys: `.key = "..."` of every `Field<T>` table (cli/output.cpp), and
    the keys written directly on a Json value, `Json{{"key", v}, ...}` or
    `j["key"] = v`, each attributed to the command whose output it is;
and checks them against agent/man/mpwifi.8 and mpwifi.conf.5, rendered to plain
text here (no groff needed): a command must be in SYNOPSIS and in its object's
subsection of COMMANDS, an option must be a term of OPTIONS or DAEMON, a JSON key
a term of its command's subsection of JSON OUTPUT, a config key a term of KEYS.
The other way round, no option, JSON key or config key may be described that the
sources do not have.  The keys of the example file agent/systemd/mpwifi.conf must
be in mpwifi.conf.5 too, and the bash completion must know every word.

Run: python3 -B -m unittest discover -s tests/docs
"""
import os
import re
import shutil
import subprocess
import unittest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CLI = os.path.join(ROOT, "agent", "src", "cli")
OPTIONS_CPP = os.path.join(ROOT, "agent", "src", "daemon", "options.cpp")
MAN8 = os.path.join(ROOT, "agent", "man", "mpwifi.8")
MAN5 = os.path.join(ROOT, "agent", "man", "mpwifi.conf.5")
EXAMPLE_CONF = os.path.join(ROOT, "agent", "systemd", "mpwifi.conf")
COMPLETION = os.path.join(ROOT, "agent", "completion", "mpwifi")

# The subsection of JSON OUTPUT that describes the objects of each Field<T> table.
SECTION_OF_TABLE = {
    "ApStats": "ap show",
    "Config": "config show",
    "EcnConfig": "ecn show",
    "ApEvent": "monitor",
    "InterfaceTrust": "trust show",
    "PeerTrust": "trust peer show",
    "Policy": "policy show",
    "RadioReport": "wifi show",
    "StationReport": "wifi show",
    "ScanReport": "wifi scan",
}
# Keys written directly on a Json value: (file, a word of the enclosing
# function's signature or "" for any) -> subsection.
SECTION_OF_FUNCTION = [
    ("steering.cpp", "", "steering show"),
    ("output.cpp", "printApSample", "ap watch"),
    ("output.cpp", "RadioReport", "wifi show"),
]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- C++ sources

_CPP_TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|//[^\n]*|/\*.*?\*/', re.S)
_STRING = re.compile(r'"((?:\\.|[^"\\\n])*)"')


def strip_comments(text):
    """@text without C++ comments (newlines kept, so are string literals)."""
    def keep(m):
        s = m.group(0)
        return s if s[0] in "\"'" else re.sub(r"[^\n]", " ", s)
    return _CPP_TOKENS.sub(keep, text)


def unescape(literal):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), literal)


def literals(code):
    """The decoded string literals of @code, in order."""
    return [unescape(m.group(1)) for m in _STRING.finditer(code)]


def normalize(text):
    return " ".join(text.split())


def balanced(text, start, open_="{", close="}"):
    """The text from the bracket at @start to its match, skipping string literals."""
    depth, i = 0, start
    while i < len(text):
        m = _STRING.match(text, i)
        if m:
            i = m.end()
            continue
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return text[start:i + 1]
        i += 1
    raise ValueError("unbalanced %r at %d" % (open_, start))


def functions(code):
    """(signature, start, end) of each function defined at the start of a line."""
    found = []
    for m in re.finditer(r"^([A-Za-z][^;{}()\n]*\([^;{}]*\)[^;{}\n]*)\n\{", code, re.M):
        body = balanced(code, m.end() - 1)
        found.append((normalize(m.group(1)), m.start(), m.end() - 1 + len(body)))
    return found


def cli_sources():
    return {name: strip_comments(read(os.path.join(CLI, name)))
            for name in sorted(os.listdir(CLI)) if name.endswith((".cpp", ".h"))}


def synopsis_commands(text):
    """The commands of a usage text: lines starting "mpwifi", with their continuations."""
    commands = []
    for line in text.split("\n"):
        line = re.sub(r"^\s*Usage:", "", line).strip()
        if not line:
            continue
        if line.startswith("mpwifi"):
            commands.append(line)
        elif commands:
            commands[-1] += " " + line
    return [normalize(c) for c in commands]


def objects():
    """{object name: {"file", "synopsis": [commands], "verbs": [...], "keywords": [...]}}."""
    found = {}
    for name, code in cli_sources().items():
        for m in re.finditer(r"\bconst\s+Object\s+\w+\s*\{", code):
            block = balanced(code, m.end() - 1)
            obj = re.search(r'\.name\s*=\s*"([^"]+)"', block).group(1)
            syn = re.search(r'\.synopsis\s*=\s*((?:"(?:\\.|[^"\\\n])*"\s*)+)', block)
            found[obj] = {
                "file": name,
                "synopsis": synopsis_commands("".join(literals(syn.group(1)))) if syn else [],
                "verbs": re.findall(r'\{\s*Action::\w+\s*,\s*"([^"]+)"\s*\}', code),
                "keywords": re.findall(r'\b(?:number|percent|switch)Keyword\(\s*"([^"]+)"', code)
                + re.findall(r'\bKeyword\s+\w+\s*\{\s*"([^"]+)"', code),
            }
    return found


def usage_commands():
    """The command lines usage() (cli/command.cpp) writes itself."""
    code = cli_sources()["command.cpp"]
    for sig, start, end in functions(code):
        if re.search(r"\busage\s*\(\s*\)", sig):
            return synopsis_commands("".join(s for s in literals(code[start:end])
                                             if re.match(r"\s*(Usage:\s*)?mpwifi\b", s)))
    raise AssertionError("no usage() in cli/command.cpp")


_OPTION = re.compile(r'\(\s*"([A-Za-z][\w-]*)(?:,(\w))?"\s*,\s*po::')


def program_options(code):
    """{long name: short letter or None} of the add_options() chains of @code."""
    return {m.group(1): m.group(2) for m in _OPTION.finditer(code) if m.group(1) != "words"}


def daemon_options():
    """(every option of `mpwifi daemon`, those of settings(): the config file's keys)."""
    code = strip_comments(read(OPTIONS_CPP))
    every = program_options(code)
    for sig, start, end in functions(code):
        if re.search(r"\bsettings\s*\(", sig):
            return every, program_options(code[start:end])
    raise AssertionError("no settings() in daemon/options.cpp")


def json_keys():
    """{subsection of JSON OUTPUT: {key: where it is written}}; unattributed keys under None."""
    keys = {}

    def add(section, key, where):
        keys.setdefault(section, {}).setdefault(key, where)

    for name, code in cli_sources().items():
        for m in re.finditer(r"\bField<(\w+)>\s+(\w+)\s*\[\s*\]\s*=\s*\{", code):
            table = balanced(code, m.end() - 1)
            for key in re.findall(r'\.key\s*=\s*"([^"]+)"', table):
                add(SECTION_OF_TABLE.get(m.group(1)), key, "%s in %s" % (m.group(2), name))
        # Keys written on Json values: brace initialisers and subscripts of Json variables.
        found = []
        for m in re.finditer(r"\bJson\s*(?:\w+\s*)?\{", code):
            init = balanced(code, m.end() - 1)
            found += [(m.start() + k.start(), k.group(1))
                      for k in re.finditer(r'\{\s*"([^"]+)"\s*,', init)]
        variables = set(re.findall(r"\b(?:Json|json)\s*&?\s*(\w+)\s*[{=;(,)]", code))
        for m in re.finditer(r'\b(\w+)\s*\[\s*"([^"]+)"\s*\]', code):
            if m.group(1) in variables:
                found.append((m.start(), m.group(2)))
        for m in re.finditer(r'\b(\w+)\s*\.\s*emplace\(\s*"([^"]+)"', code):
            if m.group(1) in variables:
                found.append((m.start(), m.group(2)))
        spans = functions(code)
        for pos, key in found:
            sig = next((s for s, start, end in spans if start <= pos < end), "")
            section = next((sec for f, word, sec in SECTION_OF_FUNCTION
                            if f == name and word in sig), None)
            add(section, key, "%s: %s" % (name, sig or "?"))
    return keys


# ---------------------------------------------------------------- roff

_ESCAPE = re.compile(r"\\(f(?:\[[^\]]*\]|\(..|.)|\*(?:\[[^\]]*\]|\(..|.)|\(..|\[[^\]]*\]|.)")
_GLYPHS = {"dq": '"', "aq": "'", "em": "\u2014", "en": "\u2013", "bu": "\u2022", "rs": "\\", "ti": "~"}


def unroff(text):
    """Plain text of a line of roff text (fonts, glyphs and spacing escapes resolved)."""
    def esc(m):
        e = m.group(1)
        if e[0] in "f*":
            return ""
        if e.startswith("("):
            return _GLYPHS.get(e[1:], "")
        if e.startswith("["):
            return _GLYPHS.get(e[1:-1], "")
        return {"-": "-", "e": "\\", "\\": "\\", "~": " ", " ": " ", "0": " ", "c": "\x00",
                "'": "'", "`": "`", ".": "."}.get(e, "")
    return _ESCAPE.sub(esc, text)


def macro_args(text):
    args, cur, quoted, i, started = [], "", False, 0, False
    while i < len(text):
        c = text[i]
        if quoted:
            if c == '"' and text[i + 1:i + 2] == '"':
                cur += '"'
                i += 1
            elif c == '"':
                quoted = False
            else:
                cur += c
        elif c == '"' and not started:
            quoted = started = True
        elif c in " \t":
            if started:
                args.append(cur)
            cur, started = "", False
        else:
            cur += c
            started = True
        i += 1
    if started:
        args.append(cur)
    return args


class ManPage:
    """A man page as plain text: per section and subsection, the text and the terms of its .TP items."""

    def __init__(self, path):
        self.path = path
        self.sections = []  # (SH, SS or "", text, is_term)
        sh = ss = ""
        term_next = False
        for raw in read(path).split("\n"):
            line = re.sub(r'(?<!\\)\\".*$', "", raw)
            if raw.startswith(('.\\"', "'\\\"")):
                continue
            if line.startswith((".", "'")):
                m = re.match(r"[.']\s*(\S+)\s*(.*)$", line)
                if not m:
                    continue
                name, args = m.group(1), macro_args(m.group(2))
                if name in ("SH", "SS"):
                    title = normalize(unroff(" ".join(args)))
                    if name == "SH":
                        sh, ss = title, ""
                    else:
                        ss = title
                    term_next = False
                    continue
                if name in ("TP", "TQ"):
                    term_next = True
                    continue
                if name == "IP" and args:
                    self.sections.append((sh, ss, unroff(args[0]), True))
                    continue
                if name in ("B", "I", "SB", "SM"):
                    text = " ".join(args)
                elif re.fullmatch(r"[BIR]{2}", name):
                    text = "".join(args)
                else:
                    continue
            else:
                text = line
            self.sections.append((sh, ss, unroff(text), term_next))
            term_next = False

    @staticmethod
    def _join(lines):
        out = []
        for text in lines:
            if out and out[-1].endswith("\x00"):  # \c: no break before the next line
                out[-1] = out[-1][:-1] + text
            else:
                out.append(text)
        return normalize(" ".join(out).replace("\x00", ""))

    def text(self, sh=None, ss=None):
        return self._join(t for s, sub, t, _ in self.sections
                          if (sh is None or s == sh) and (ss is None or sub == ss))

    def terms(self, sh, ss=None):
        """The words of the terms (.TP tags) of a section or subsection."""
        words = set()
        for s, sub, t, is_term in self.sections:
            if is_term and s == sh and (ss is None or sub == ss):
                words.update(w.strip(".;:()") for w in re.split(r"[\s,]+", normalize(t.replace("\x00", ""))))
        words.discard("")
        return words

    def first_terms(self, sh, ss=None):
        """The first word of each term of a section or subsection."""
        return {normalize(t.replace("\x00", "")).split(" ")[0].rstrip(",")
                for s, sub, t, is_term in self.sections
                if is_term and s == sh and (ss is None or sub == ss) and t.strip()}

    def subsections(self, sh):
        return {sub for s, sub, _, _ in self.sections if s == sh and sub}


def missing(kind, names, where):
    return "%s does not describe these %s:\n  %s" % (
        os.path.relpath(where, ROOT), kind, "\n  ".join(sorted(set(names))))


# ---------------------------------------------------------------- tests


class Case(unittest.TestCase):
    longMessage = False  # the messages list what is missing; the lists need no repeating


class SourcesTest(Case):
    """The extraction finds what it should: a broken pattern must not pass silently."""

    def test_objects(self):
        objs = objects()
        self.assertGreaterEqual(set(objs), {"ap", "config", "ecn", "monitor", "trust", "policy", "wifi",
                                            "steering", "daemon"})
        self.assertIn("mpwifi trust peer add PREFIX { trusted | untrusted }", objs["trust"]["synopsis"])
        self.assertTrue(any(c.endswith("[ min-frames N ] [ stale-ms MS ]") for c in objs["ecn"]["synopsis"]))
        self.assertIn("trust peer del", objs["trust"]["verbs"])
        self.assertIn("law", objs["ecn"]["keywords"])
        self.assertIn("mpwifi help", usage_commands())

    def test_options(self):
        code = cli_sources()
        self.assertEqual(program_options(code["command.cpp"]),
                         {"json": "j", "pretty": "p", "version": "V", "help": "h"})
        self.assertEqual(program_options(code["ap.cpp"]), {"interval": "i", "count": "c"})
        every, settings = daemon_options()
        self.assertEqual(every["config"], "c")
        self.assertNotIn("config", settings)
        self.assertIn("personal-trusted", settings)
        self.assertGreaterEqual(len(settings), 15)

    def test_json_keys(self):
        keys = json_keys()
        self.assertIn("mark_delta", keys["ap show"])
        self.assertEqual(set(keys["ap watch"]), {"t_ns", "aps"})
        self.assertIn("stations", keys["wifi show"])
        self.assertIn("dns", keys["wifi show"])
        self.assertGreaterEqual(set(keys["steering show"]), {"running", "counts", "to_backup", "reason"})
        self.assertGreaterEqual(sum(len(k) for k in keys.values()), 100)


class Man8Test(Case):
    @classmethod
    def setUpClass(cls):
        cls.man = ManPage(MAN8)

    def test_sections(self):
        titles = [s for s, _, _, _ in self.man.sections]
        for title in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "DAEMON", "JSON OUTPUT",
                      "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"):
            self.assertIn(title, titles)
        see_also = self.man.text("SEE ALSO")
        for page in ("mpwifi.conf(5)", "ip-mptcp(8)", "wpa_supplicant(8)"):
            self.assertIn(page, see_also)

    def test_synopsis(self):
        text = self.man.text("SYNOPSIS")
        commands = usage_commands() + [c for o in objects().values() for c in o["synopsis"]]
        absent = [c for c in commands if c not in text]
        self.assertFalse(absent, missing("commands", absent, MAN8) + "\n(in SYNOPSIS)")

    def test_commands(self):
        subs = self.man.subsections("COMMANDS")
        absent = []
        for name, obj in objects().items():
            if name not in subs:
                absent.append("object %s (a subsection of COMMANDS)" % name)
                continue
            text = self.man.text("COMMANDS", name)
            absent += ["%s: %s" % (name, c) for c in obj["synopsis"] if c not in text]
            for verb in obj["verbs"]:
                words = verb.split()
                pattern = r"\bmpwifi " + " ".join(map(re.escape, words[:-1])) + r"\s*(?:\[ )?" + \
                    re.escape(words[-1]) + r"\b"
                if not re.search(pattern, text):
                    absent.append("%s: command %s" % (name, verb))
            absent += ["%s: keyword %s" % (name, k) for k in obj["keywords"]
                       if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(k), text)]
        self.assertFalse(absent, missing("commands", absent, MAN8) + "\n(in COMMANDS)")

    def test_global_options(self):
        terms = self.man.terms("OPTIONS")
        opts = program_options(cli_sources()["command.cpp"])
        absent = ["--" + o for o in opts if "--" + o not in terms]
        absent += ["-" + s for s in opts.values() if s and "-" + s not in terms]
        self.assertFalse(absent, missing("options", absent, MAN8) + "\n(as terms of OPTIONS)")

    def test_command_options(self):
        absent = []
        for name, obj in objects().items():
            text = self.man.text("COMMANDS", name)
            for long, short in program_options(cli_sources()[obj["file"]]).items():
                if obj["file"] == "command.cpp":
                    continue
                for flag in ["--" + long] + (["-" + short] if short else []):
                    if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(flag), text):
                        absent.append("%s: %s" % (name, flag))
        self.assertFalse(absent, missing("options", absent, MAN8) + "\n(in COMMANDS)")

    def test_daemon_options(self):
        terms = self.man.terms("DAEMON")
        every, _ = daemon_options()
        absent = ["--" + o for o in every if "--" + o not in terms]
        absent += ["-" + s for s in every.values() if s and "-" + s not in terms]
        self.assertFalse(absent, missing("daemon options", absent, MAN8) + "\n(as terms of DAEMON)")

    def test_no_unknown_option(self):
        known = set(daemon_options()[0]) | set(program_options(cli_sources()["command.cpp"]))
        for obj in objects().values():
            known |= set(program_options(cli_sources()[obj["file"]]))
        described = set(re.findall(r"(?<![\w-])--([a-z][\w-]*)", self.man.text()))
        self.assertFalse(described - known, "mpwifi.8 describes options the sources do not have: %s"
                         % ", ".join("--" + o for o in sorted(described - known)))

    def test_json_keys(self):
        keys = json_keys()
        self.assertNotIn(None, keys, "JSON keys whose command the test cannot tell (add them to "
                         "SECTION_OF_TABLE or SECTION_OF_FUNCTION): %s" % keys.get(None))
        subs = self.man.subsections("JSON OUTPUT")
        problems = []
        for section, found in sorted(keys.items()):
            if section not in subs:
                problems.append('subsection "%s" of JSON OUTPUT' % section)
                continue
            terms = self.man.terms("JSON OUTPUT", section)
            problems += ['%s: %s (%s)' % (section, k, where) for k, where in found.items() if k not in terms]
        self.assertFalse(problems, missing("JSON keys", problems, MAN8) + "\n(as terms of JSON OUTPUT)")

    def test_no_unknown_json_key(self):
        keys = json_keys()
        extra = []
        for section in self.man.subsections("JSON OUTPUT"):
            words = {w for w in self.man.terms("JSON OUTPUT", section) if re.fullmatch(r"[a-z][a-z0-9_]*", w)}
            extra += ["%s: %s" % (section, w) for w in sorted(words - set(keys.get(section, {})))]
        self.assertFalse(extra, "mpwifi.8 describes JSON keys the sources do not write: " + ", ".join(extra))


class Man5Test(Case):
    @classmethod
    def setUpClass(cls):
        cls.man = ManPage(MAN5)

    def test_keys(self):
        _, settings = daemon_options()
        described = self.man.first_terms("KEYS")
        self.assertFalse(set(settings) - described,
                         missing("config keys", set(settings) - described, MAN5) + "\n(as terms of KEYS)")
        self.assertFalse(described - set(settings),
                         "mpwifi.conf.5 describes keys the daemon does not read: %s"
                         % ", ".join(sorted(described - set(settings))))

    def test_example_file(self):
        keys = set(re.findall(r"^#?([a-z][a-z0-9-]*)\s*=", read(EXAMPLE_CONF), re.M))
        self.assertTrue(keys)
        _, settings = daemon_options()
        self.assertFalse(keys - set(settings), "agent/systemd/mpwifi.conf has keys the daemon does not read: %s"
                         % ", ".join(sorted(keys - set(settings))))
        described = self.man.first_terms("KEYS")
        self.assertFalse(keys - described, missing("keys of agent/systemd/mpwifi.conf", keys - described, MAN5))


class RenderTest(Case):
    def test_no_warnings(self):
        for page in (MAN8, MAN5):
            r = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
            self.assertEqual((r.returncode, r.stderr), (0, ""), page)


class CompletionTest(Case):
    def test_words(self):
        script = read(COMPLETION)
        words = set(re.findall(r"[\w-]+", script))
        want = {"help"}
        for name, obj in objects().items():
            want.add(name)
            want.update(w for v in obj["verbs"] for w in v.split())
            want.update(obj["keywords"])
            want.update("--" + o for o in program_options(cli_sources()[obj["file"]]))
        want.update("--" + o for o in program_options(cli_sources()["command.cpp"]))
        want.update("--" + o for o in daemon_options()[0])
        flags = {w for w in want if w.startswith("--")}
        absent = sorted(w for w in want - flags if w not in words)
        absent += sorted(f for f in flags if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(f), script))
        self.assertFalse(absent, "agent/completion/mpwifi does not complete: " + ", ".join(absent))

    def test_syntax(self):
        r = subprocess.run(["bash", "-n", COMPLETION], capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
