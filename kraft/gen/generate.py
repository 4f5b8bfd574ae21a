#!/usr/bin/env python3
"""Generates the C message codecs in kraft/gen/ from Apache Kafka's JSON schemas.

Usage: generate.py SCHEMA_DIR OUT_DIR [RANDOM_OUT_DIR]

SCHEMA_DIR is ../shared/kafka-schemas (folders metadata/, message/). For every
schema message X it emits a struct kr_X with the schema's own field names and
kr_X_init / kr_X_encode / kr_X_decode / kr_X_to_json, following the rules of
spec/metadata-log.md §1-2 (compact vs classic encodings, tagged fields in
ascending order, default omission, version checks). The output is committed so
that building zk2kraft needs no Python; `make gen` regenerates it.

RANDOM_OUT_DIR (tests/support) receives kr_X_fill_random for round-trip tests.
"""
import json
import os
import re
import sys

# Fields that hold secrets: masked in JSON output unless the caller asks.
SECRET_FIELDS = {
    ("UserScramCredentialRecord", "Salt"),
    ("UserScramCredentialRecord", "StoredKey"),
    ("UserScramCredentialRecord", "ServerKey"),
    ("AlterUserScramCredentialsRequest", "Salt"),
    ("AlterUserScramCredentialsRequest", "SaltedPassword"),
    ("SaslAuthenticateRequest", "AuthBytes"),
    ("SaslAuthenticateResponse", "AuthBytes"),
}

CONTROL_MESSAGES = ["LeaderChangeMessage", "SnapshotHeaderRecord", "SnapshotFooterRecord",
                    "KRaftVersionRecord", "VotersRecord"]

PRIMS = {
    "bool": ("bool", "bool", 1),
    "int8": ("int8_t", "i8", 1),
    "int16": ("int16_t", "i16", 2),
    "uint16": ("uint16_t", "u16", 2),
    "int32": ("int32_t", "i32", 4),
    "uint32": ("uint32_t", "u32", 4),
    "int64": ("int64_t", "i64", 8),
    "float64": ("double", "f64", 8),
    "uuid": ("kr_uuid", "uuid", 16),
    "string": ("kr_str", "str", 1),
    "bytes": ("kr_bytes", "bytes", 1),
    "records": ("kr_bytes", "bytes", 1),
}

MAX_VERSION = 32767


def load_schema(path):
    with open(path) as f:
        text = re.sub(r"^\s*//.*$", "", f.read(), flags=re.M)
    return json.loads(text)


class Versions:
    """A version range: 'N', 'N-M', 'N+', 'none'."""

    def __init__(self, spec):
        spec = (spec or "none").strip()
        if spec == "none":
            self.lo, self.hi = 1, 0
        elif spec.endswith("+"):
            self.lo, self.hi = int(spec[:-1]), MAX_VERSION
        elif "-" in spec:
            a, b = spec.split("-")
            self.lo, self.hi = int(a), int(b)
        else:
            self.lo = self.hi = int(spec)

    def empty(self):
        return self.lo > self.hi

    def contains(self, v):
        return self.lo <= v <= self.hi

    def intersect(self, other):
        r = Versions("none")
        r.lo, r.hi = max(self.lo, other.lo), min(self.hi, other.hi)
        return r

    def cond(self, var="v", within=None):
        """C condition for `var` in this range, simplified against `within`."""
        if self.empty():
            return "0"
        lo_needed = not (within and within.lo >= self.lo) and self.lo > 0
        hi_needed = not (within and within.hi <= self.hi) and self.hi < MAX_VERSION
        parts = []
        if self.lo == self.hi and lo_needed and hi_needed:
            return "%s == %d" % (var, self.lo)
        if lo_needed:
            parts.append("%s >= %d" % (var, self.lo))
        if hi_needed:
            parts.append("%s <= %d" % (var, self.hi))
        return " && ".join(parts) if parts else "1"


def parse_int(text):
    text = str(text).strip()
    neg = text.startswith("-")
    if neg:
        text = text[1:]
    v = int(text, 16) if text.lower().startswith("0x") else int(text)
    return -v if neg else v


class Field:
    def __init__(self, msg, owner, d):
        self.msg = msg
        self.name = d["name"]
        self.type = d["type"]
        self.tagged_versions = Versions(d.get("taggedVersions"))
        self.versions = Versions(d.get("versions") or d.get("taggedVersions"))
        self.nullable = Versions(d.get("nullableVersions"))
        self.tag = parse_int(d["tag"]) if "tag" in d else None
        self.default = d.get("default")
        self.ignorable = bool(d.get("ignorable"))
        self.flex_override = Versions(d["flexibleVersions"]) if "flexibleVersions" in d else None
        self.is_array = self.type.startswith("[]")
        self.elem = self.type[2:] if self.is_array else self.type
        self.elem_is_struct = self.elem not in PRIMS
        self.struct = None  # Struct for struct/array-of-struct fields
        if self.elem_is_struct:
            if "fields" in d:
                self.struct = Struct(msg, self.elem, d["fields"])
            else:
                self.struct = msg.common[self.elem]
        self.secret = (msg.name, self.name) in SECRET_FIELDS

    # ---- C types and defaults ------------------------------------------------

    def ctype(self):
        if self.is_array:
            if self.elem_is_struct:
                return self.struct.array_cname()
            return "kr_array_%s" % PRIMS[self.elem][1]
        if self.elem_is_struct:
            return self.struct.cname()
        return PRIMS[self.type][0]

    def default_is_null(self):
        return self.default == "null"

    def default_expr(self):
        """C expression for the default value (non-struct, non-array)."""
        t = self.type
        d = self.default
        if t == "bool":
            return "true" if str(d).lower() == "true" else "false"
        if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
            v = parse_int(d) if d not in (None, "") else 0
            if t == "int64":
                return "INT64_C(%d)" % v
            return "%d" % v
        if t == "float64":
            return repr(float(d)) if d not in (None, "") else "0.0"
        if t == "uuid":
            return None  # handled specially (zero or literal)
        if t == "string":
            if d == "null":
                return "KR_STR_NULL"
            lit = d if d is not None else ""
            return '((kr_str){"%s", %d})' % (lit.replace("\\", "\\\\").replace('"', '\\"'), len(lit.encode()))
        if t in ("bytes", "records"):
            return "KR_BYTES_NULL" if d == "null" else "((kr_bytes){NULL, 0})"
        raise ValueError(t)

    def uuid_default_bytes(self):
        d = self.default
        if not d or d in ("AAAAAAAAAAAAAAAAAAAAAA",):
            return None
        import base64
        raw = base64.urlsafe_b64decode(d + "==")
        return list(raw)


class Struct:
    def __init__(self, msg, name, fields_json):
        self.msg = msg
        self.name = name
        self.is_top = False
        self.fields = [Field(msg, self, f) for f in fields_json]

    def cname(self):
        return "kr_%s" % self.msg.name if self.is_top else "kr_%s_%s" % (self.msg.name, self.name)

    def fname(self):
        return self.msg.name if self.is_top else "%s_%s" % (self.msg.name, self.name)

    def array_cname(self):
        return self.cname() + "_array"

    def tagged_fields(self):
        return sorted([f for f in self.fields if f.tag is not None], key=lambda f: f.tag)


class Message:
    def __init__(self, d, kind):
        self.name = d["name"]
        self.kind = kind
        self.api_key = d.get("apiKey")
        self.type = d.get("type")
        self.valid = Versions(d["validVersions"])
        self.flexible = Versions(d.get("flexibleVersions", "none"))
        self.common = {}
        for cs in d.get("commonStructs", []):
            # Common structs may refer to each other; define in order.
            self.common[cs["name"]] = None
        for cs in d.get("commonStructs", []):
            self.common[cs["name"]] = Struct(self, cs["name"], cs["fields"])
        self.top = Struct(self, self.name, d["fields"])
        self.top.is_top = True

    def structs_postorder(self):
        seen, out = set(), []

        def visit(s):
            if s is None or id(s) in seen:
                return
            seen.add(id(s))
            for f in s.fields:
                if f.struct:
                    visit(f.struct)
            out.append(s)

        for s in self.common.values():
            visit(s)
        visit(self.top)
        return out


# ---------------------------------------------------------------------------
# C emission


class Out:
    def __init__(self):
        self.lines = []
        self.ind = 0

    def __call__(self, line=""):
        self.lines.append(("    " * self.ind + line) if line else "")

    def block(self, head):
        self(head + " {")
        self.ind += 1

    def end(self, tail="}"):
        self.ind -= 1
        self(tail)

    def text(self):
        return "\n".join(self.lines) + "\n"


def untagged_cond(f, within):
    """C condition for the field occupying its regular (untagged) slot at v."""
    present = f.versions.intersect(within)
    if present.empty():
        return "0"
    if f.tag is None or f.tagged_versions.empty():
        return f.versions.cond("v", within)
    t = f.tagged_versions
    if t.lo <= present.lo and t.hi >= present.hi:
        return "0"  # tagged in every version it exists in
    return "(%s) && !(%s)" % (f.versions.cond("v", within), t.cond("v", within))


def nullable_cond(f, within):
    """C condition for null being allowed at v, simplified within the field's versions."""
    return f.nullable.cond("v", f.versions.intersect(within))


def flex_expr(f):
    if f.flex_override is not None:
        return "(%s)" % f.flex_override.cond("v")
    return "flex"


def emit_struct_decl(o, s):
    o("typedef struct %s {" % s.cname())
    for f in s.fields:
        o("    %s %s;" % (f.ctype(), f.name))
    o("    kr_raw_tags _unknown_tags;")
    o("} %s;" % s.cname())
    o("typedef struct { %s *v; int32_t n; } %s;" % (s.cname(), s.array_cname()))
    o()


def emit_init(o, s):
    o("void %s_init(%s *m) {" % (s.cname(), s.cname()))
    o.ind += 1
    o("memset(m, 0, sizeof *m);")
    for f in s.fields:
        if f.is_array:
            if f.default_is_null():
                o("m->%s.n = -1;" % f.name)
        elif f.elem_is_struct:
            o("%s_init(&m->%s);" % (f.struct.cname(), f.name))
        elif f.type == "uuid":
            raw = f.uuid_default_bytes()
            if raw:
                o("static const uint8_t d_%s[16] = {%s};" % (f.name, ", ".join(str(x) for x in raw)))
                o("memcpy(m->%s.b, d_%s, 16);" % (f.name, f.name))
        else:
            expr = f.default_expr()
            if expr not in ("0", "false", "0.0", "((kr_bytes){NULL, 0})", "INT64_C(0)"):
                o("m->%s = %s;" % (f.name, expr))
    o.end()
    o()


def nondefault_expr(f, ref):
    """C expression true when the field value differs from its default."""
    if f.is_array:
        return "%s.n != -1" % ref if f.default_is_null() else "%s.n != 0" % ref
    if f.elem_is_struct:
        return "!%s_is_default(&%s)" % (f.struct.cname(), ref)
    t = f.type
    if t == "uuid":
        raw = f.uuid_default_bytes()
        if raw:
            return "memcmp(%s.b, (const uint8_t[16]){%s}, 16) != 0" % (ref, ", ".join(str(x) for x in raw))
        return "!kr_uuid_is_zero(&%s)" % ref
    if t == "string":
        if f.default_is_null():
            return "%s.len >= 0" % ref
        return "!kr_str_eq(%s, %s)" % (ref, f.default_expr())
    if t in ("bytes", "records"):
        return "%s.len >= 0" % ref if f.default_is_null() else "%s.len != 0" % ref
    if t == "float64":
        return "memcmp(&%s, &(double){%s}, sizeof(double)) != 0" % (ref, f.default_expr())
    return "%s != %s" % (ref, f.default_expr())


def emit_is_default(o, s):
    o("__attribute__((unused)) static bool %s_is_default(const %s *m) {" % (s.cname(), s.cname()))
    o.ind += 1
    for f in s.fields:
        o("if (%s) return false;" % nondefault_expr(f, "m->" + f.name))
    o("return m->_unknown_tags.n <= 0;")
    o.end()
    o()


def put_prim(t, val, flex):
    if t == "bool":
        return "kr_put_bool(b, %s);" % val
    if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
        return "kr_put_%s(b, %s);" % (PRIMS[t][1], val)
    if t == "float64":
        return "kr_put_f64(b, %s);" % val
    if t == "uuid":
        return "kr_put_uuid(b, &%s);" % val
    if t == "string":
        return "if (%s) kr_put_compact_str(b, %s); else kr_put_str(b, %s);" % (flex, val, val)
    if t in ("bytes", "records"):
        return "if (%s) kr_put_compact_bytes(b, %s); else kr_put_bytes(b, %s);" % (flex, val, val)
    raise ValueError(t)


def emit_put_value(o, f, ref):
    """Encodes field f's value (untagged form) from C lvalue ref."""
    flex = flex_expr(f)
    if f.is_array:
        o("if (%s) kr_put_compact_array_len(b, %s.n); else kr_put_array_len(b, %s.n);" % (flex, ref, ref))
        o("for (int32_t i = 0; i < %s.n; i++) {" % ref)
        o.ind += 1
        if f.elem_is_struct:
            o("enc_%s(b, &%s.v[i], v, flex, ctx);" % (f.struct.fname(), ref))
        else:
            o(put_prim(f.elem, "%s.v[i]" % ref, flex))
        o.end()
    elif f.elem_is_struct:
        o("enc_%s(b, &%s, v, flex, ctx);" % (f.struct.fname(), ref))
    else:
        o(put_prim(f.type, ref, flex))


def emit_encode(o, s):
    o("static void enc_%s(kr_buf *b, const %s *m, int16_t v, bool flex, kr_enc_ctx *ctx) {" % (s.fname(), s.cname()))
    o.ind += 1
    o("(void)flex;")
    within = s.msg.valid
    for f in s.fields:
        present = f.versions.cond("v", within)
        # Absent at this version: must hold the default (Java throws otherwise).
        if present != "1" and not f.ignorable:
            absent_cond = "!(%s)" % present if present != "0" else "1"
            o("if (%s && (%s))" % (absent_cond, nondefault_expr(f, "m->" + f.name)))
            o("    kr_enc_fail(ctx, \"%s.%s is not supported at version %%d\", v);" % (s.msg.name, f.name))
        nullable_types = f.is_array or f.type in ("string", "bytes", "records")
        if nullable_types and present != "0":
            null_test = "m->%s.n < 0" % f.name if f.is_array else "m->%s.len < 0" % f.name
            nullable = nullable_cond(f, within)
            cond = None
            if nullable == "0":
                cond = "(%s) && %s" % (present, null_test)
            elif nullable != "1":
                cond = "(%s) && !(%s) && %s" % (present, nullable, null_test)
            if cond:
                o("if (%s)" % cond)
                o("    kr_enc_fail(ctx, \"%s.%s is null but not nullable at version %%d\", v);" % (s.msg.name, f.name))
    for f in s.fields:
        cond = untagged_cond(f, within)
        if cond == "0":
            continue
        if cond == "1":
            emit_put_value(o, f, "m->" + f.name)
        else:
            o.block("if (%s)" % cond)
            emit_put_value(o, f, "m->" + f.name)
            o.end()
    # Tagged section.
    tagged = s.tagged_fields()
    o.block("if (flex)")
    if not tagged:
        o("kr_put_uvarint(b, (uint32_t)(m->_unknown_tags.n > 0 ? m->_unknown_tags.n : 0));")
        o("kr_put_unknown_tags_below(b, &m->_unknown_tags, 0, UINT64_MAX);")
    else:
        o("uint32_t ntags = (uint32_t)(m->_unknown_tags.n > 0 ? m->_unknown_tags.n : 0);")
        conds = []
        for f in tagged:
            c = "(%s) && (%s)" % (f.tagged_versions.cond("v", within), nondefault_expr(f, "m->" + f.name))
            conds.append(c)
            o("bool t%d = %s;" % (f.tag, c))
            o("ntags += t%d;" % f.tag)
        o("kr_put_uvarint(b, ntags);")
        o("int32_t ui = 0;")
        for f in tagged:
            o.block("if (t%d)" % f.tag)
            o("ui = kr_put_unknown_tags_below(b, &m->_unknown_tags, ui, %d);" % f.tag)
            o("size_t at = kr_tag_begin(b, %d);" % f.tag)
            emit_put_value(o, f, "m->" + f.name)
            o("kr_tag_end(b, at);")
            o.end()
        o("kr_put_unknown_tags_below(b, &m->_unknown_tags, ui, UINT64_MAX);")
    o.end()
    o.end()
    o()


def get_prim(t, nullable, flex):
    if t == "bool":
        return "kr_read_bool(r)"
    if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
        return "kr_read_%s(r)" % PRIMS[t][1]
    if t == "float64":
        return "kr_read_f64(r)"
    if t == "string":
        return "(%s) ? kr_read_compact_str(r, %s) : kr_read_str(r, %s)" % (flex, nullable, nullable)
    if t in ("bytes", "records"):
        return "(%s) ? kr_read_compact_bytes(r, %s) : kr_read_bytes(r, %s)" % (flex, nullable, nullable)
    raise ValueError(t)


def emit_get_value(o, f, ref, within):
    flex = flex_expr(f)
    nullable = nullable_cond(f, within)
    nullable = "true" if nullable == "1" else "false" if nullable == "0" else "(%s)" % nullable
    if f.is_array:
        elem_min = 1 if f.elem_is_struct else PRIMS[f.elem][2]
        if f.elem in ("string", "bytes", "records"):
            elem_min = 1
        o.block("")
        o("int32_t n = (%s) ? kr_read_compact_array_len(r, %s, %d) : kr_read_array_len(r, %s, %d);"
          % (flex, nullable, elem_min, nullable, elem_min))
        o("%s.n = n;" % ref)
        o("%s.v = NULL;" % ref)
        o.block("if (n > 0)")
        o("%s.v = kr_arena_alloc(a, (size_t)n * sizeof *%s.v);" % (ref, ref))
        o("if (!%s.v) { kr_reader_fail(r, \"out of memory\"); return; }" % ref)
        o.block("for (int32_t i = 0; i < n && !r->failed; i++)")
        if f.elem_is_struct:
            o("dec_%s(r, &%s.v[i], v, flex, a);" % (f.struct.fname(), ref))
        elif f.elem == "uuid":
            o("kr_read_uuid(r, &%s.v[i]);" % ref)
        else:
            o("%s.v[i] = %s;" % (ref, get_prim(f.elem, "false", flex)))
        o.end()
        o.end()
        o.end()
    elif f.elem_is_struct:
        o("dec_%s(r, &%s, v, flex, a);" % (f.struct.fname(), ref))
    elif f.type == "uuid":
        o("kr_read_uuid(r, &%s);" % ref)
    else:
        o("%s = %s;" % (ref, get_prim(f.type, nullable, flex)))


def emit_decode(o, s):
    o("static void dec_%s(kr_reader *r, %s *m, int16_t v, bool flex, kr_arena *a) {" % (s.fname(), s.cname()))
    o.ind += 1
    o("(void)a;")
    o("%s_init(m);" % s.cname())
    within = s.msg.valid
    for f in s.fields:
        cond = untagged_cond(f, within)
        if cond == "0":
            continue
        if cond == "1":
            emit_get_value(o, f, "m->" + f.name, within)
        else:
            o.block("if (%s)" % cond)
            emit_get_value(o, f, "m->" + f.name, within)
            o.end()
    o.block("if (flex && !r->failed)")
    o("uint32_t ntags = kr_read_uvarint(r);")
    o("if (ntags > kr_reader_remaining(r) / 2) { kr_reader_fail(r, \"tagged field count exceeds the remaining bytes\"); return; }")
    o("int32_t cap = 0;")
    o.block("for (uint32_t k = 0; k < ntags && !r->failed; k++)")
    o("uint32_t tag, size;")
    o("kr_reader sub;")
    o("if (!kr_tag_enter(r, &sub, &tag, &size)) return;")
    tagged = s.tagged_fields()
    o.block("switch (tag)")
    for f in tagged:
        o("case %d:" % f.tag)
        o.ind += 1
        o("if (!(%s)) { kr_reader_fail(r, \"tagged field %s not valid at this version\"); return; }"
          % (f.tagged_versions.cond("v", within), f.name))
        o.block("")
        o("kr_reader *outer = r;")
        o("r = &sub;")
        emit_get_value(o, f, "m->" + f.name, within)
        o("r = outer;")
        o.end()
        o("kr_tag_finish(r, &sub, size);")
        o("break;")
        o.ind -= 1
    o("default:")
    o.ind += 1
    o.block("if (m->_unknown_tags.v == NULL)")
    o("cap = (int32_t)ntags;")
    o("m->_unknown_tags.v = kr_arena_alloc(a, (size_t)cap * sizeof(kr_raw_tag));")
    o("if (!m->_unknown_tags.v) { kr_reader_fail(r, \"out of memory\"); return; }")
    o.end()
    o("kr_unknown_tag_add(&m->_unknown_tags, cap, tag, r->buf + r->pos, size);")
    o("r->pos += size;")
    o("break;")
    o.ind -= 1
    o.end()
    o.end()
    o.end()
    o.end()
    o()


def json_prim(t, val, secret):
    if secret:
        return "(flags & KR_JSON_MASK_SECRETS) ? json_string(KR_JSON_MASK) : " + json_prim(t, val, False)
    if t == "bool":
        return "json_boolean(%s)" % val
    if t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
        return "json_integer((json_int_t)%s)" % val
    if t == "float64":
        return "json_real(%s)" % val
    if t == "uuid":
        return "kr_json_uuid(&%s)" % val
    if t == "string":
        return "kr_json_str(%s)" % val
    if t in ("bytes", "records"):
        return "kr_json_bytes(%s)" % val
    raise ValueError(t)


def emit_json_value(o, f, ref, target):
    if f.is_array:
        o.block("")
        o("json_t *arr = %s.n < 0 ? json_null() : json_array();" % ref)
        o.block("for (int32_t i = 0; i < %s.n; i++)" % ref)
        if f.elem_is_struct:
            o("json_array_append_new(arr, json_%s(&%s.v[i], v, flags));" % (f.struct.fname(), ref))
        else:
            o("json_array_append_new(arr, %s);" % json_prim(f.elem, "%s.v[i]" % ref, f.secret))
        o.end()
        o("%s = arr;" % target)
        o.end()
    elif f.elem_is_struct:
        o("%s = json_%s(&%s, v, flags);" % (target, f.struct.fname(), ref))
    else:
        o("%s = %s;" % (target, json_prim(f.type, ref, f.secret)))


def emit_json(o, s):
    o("static json_t *json_%s(const %s *m, int16_t v, int flags) {" % (s.fname(), s.cname()))
    o.ind += 1
    o("json_t *obj = json_object();")
    o("char key[64];")
    o("(void)key;")
    within = s.msg.valid
    for f in s.fields:
        present = f.versions.cond("v", within)
        if present == "0":
            continue
        cond = present
        if f.tag is not None:
            # Tagged values print only when they differ from the default, as Kafka's tools do.
            tagged = f.tagged_versions.cond("v", within)
            cond = "(%s) && (!(%s) || (%s))" % (present, tagged, nondefault_expr(f, "m->" + f.name))
        o.block("if (%s)" % cond)
        o("json_t *val;")
        emit_json_value(o, f, "m->" + f.name, "val")
        o("json_object_set_new(obj, kr_json_key(\"%s\", flags, key, sizeof key), val);" % f.name)
        o.end()
    o("return obj;")
    o.end()
    o()


def emit_message(o, m):
    for s in m.structs_postorder():
        if not s.is_top:
            emit_init(o, s)
            emit_is_default(o, s)
            emit_encode(o, s)
            emit_decode(o, s)
            emit_json(o, s)
    s = m.top
    emit_init(o, s)
    emit_is_default(o, s)
    emit_encode(o, s)
    emit_decode(o, s)
    emit_json(o, s)
    valid = "v < %d || v > %d" % (m.valid.lo, m.valid.hi)
    flex = m.flexible.cond("v")
    o("int %s_encode(kr_buf *out, const %s *m, int16_t v, kr_error *err) {" % (s.cname(), s.cname()))
    o.ind += 1
    o("if (%s) return kr_fail(err, KR_ERR_UNSUPPORTED, \"%s version %%d is not supported (valid %d-%d)\", v);"
      % (valid, m.name, m.valid.lo, m.valid.hi))
    o("kr_enc_ctx ctx = {.err = err};")
    o("enc_%s(out, m, v, %s, &ctx);" % (s.fname(), flex))
    o("if (ctx.failed) return KR_ERR_UNSUPPORTED;")
    o("if (out->oom) return kr_fail(err, KR_ERR_NOMEM, \"out of memory encoding %s\");" % m.name)
    o("return KR_OK;")
    o.end()
    o()
    o("bool %s_decode(kr_reader *r, %s *m, int16_t v, kr_arena *a) {" % (s.cname(), s.cname()))
    o.ind += 1
    o("if (%s) { kr_reader_fail(r, \"unsupported version\"); return false; }" % valid)
    o("dec_%s(r, m, v, %s, a);" % (s.fname(), flex))
    o("return !r->failed;")
    o.end()
    o()
    o("json_t *%s_to_json(const %s *m, int16_t v, int flags) {" % (s.cname(), s.cname()))
    o.ind += 1
    o("return json_%s(m, v, flags);" % s.fname())
    o.end()
    o()


def emit_header_decls(o, m):
    for s in m.structs_postorder():
        emit_struct_decl(o, s)
        if not s.is_top:
            o("void %s_init(%s *m);" % (s.cname(), s.cname()))
            o()
    c = m.top.cname()
    o("#define %s_MIN_VERSION %d" % (c.upper(), m.valid.lo))
    o("#define %s_MAX_VERSION %d" % (c.upper(), m.valid.hi))
    o("void %s_init(%s *m);" % (c, c))
    o("int %s_encode(kr_buf *out, const %s *m, int16_t version, kr_error *err);" % (c, c))
    o("bool %s_decode(kr_reader *r, %s *m, int16_t version, kr_arena *arena);" % (c, c))
    o("json_t *%s_to_json(const %s *m, int16_t version, int flags);" % (c, c))
    o()


def upper_snake(name):
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return s.upper()


def emit_metadata_dispatch(h, c, msgs):
    msgs = sorted(msgs, key=lambda m: m.api_key)
    h("/* Metadata record api keys (spec metadata-log.md §3). */")
    h("enum kr_record_type {")
    for m in msgs:
        h("    KR_REC_%s = %d," % (upper_snake(m.name), m.api_key))
    h("};")
    h("#define KR_REC_MAX_API_KEY %d" % max(m.api_key for m in msgs))
    h()
    h("/* One decoded metadata record: api key, version and the body. */")
    h("typedef struct kr_metadata_record {")
    h("    int16_t api_key;")
    h("    int16_t version;")
    h("    union {")
    for m in msgs:
        h("        kr_%s %s;" % (m.name, m.name))
    h("    } u;")
    h("} kr_metadata_record;")
    h()
    h("/* Schema name (\"TopicRecord\") or NULL for an unknown api key. */")
    h("const char *kr_record_type_name(int api_key);")
    h("/* Kafka tool enum name (\"TOPIC_RECORD\") or NULL. */")
    h("const char *kr_record_type_enum_name(int api_key);")
    h("/* Valid version range; false for an unknown api key. */")
    h("bool kr_record_versions(int api_key, int16_t *min_version, int16_t *max_version);")
    h("/* Sets api_key/version and every field of that record to its default. */")
    h("void kr_metadata_record_init(kr_metadata_record *rec, int16_t api_key, int16_t version);")
    h("/* Body only (no frame): by rec->api_key and rec->version. */")
    h("bool kr_metadata_body_decode(kr_reader *r, kr_metadata_record *rec, kr_arena *arena);")
    h("int kr_metadata_body_encode(kr_buf *out, const kr_metadata_record *rec, kr_error *err);")
    h("json_t *kr_metadata_body_to_json(const kr_metadata_record *rec, int flags);")
    h()
    c("const char *kr_record_type_name(int api_key) {")
    c("    switch (api_key) {")
    for m in msgs:
        c("    case %d: return \"%s\";" % (m.api_key, m.name))
    c("    default: return NULL;")
    c("    }")
    c("}")
    c()
    c("const char *kr_record_type_enum_name(int api_key) {")
    c("    switch (api_key) {")
    for m in msgs:
        c("    case %d: return \"%s\";" % (m.api_key, upper_snake(m.name)))
    c("    default: return NULL;")
    c("    }")
    c("}")
    c()
    c("bool kr_record_versions(int api_key, int16_t *min_version, int16_t *max_version) {")
    c("    switch (api_key) {")
    for m in msgs:
        c("    case %d: *min_version = %d; *max_version = %d; return true;" % (m.api_key, m.valid.lo, m.valid.hi))
    c("    default: return false;")
    c("    }")
    c("}")
    c()
    c("void kr_metadata_record_init(kr_metadata_record *rec, int16_t api_key, int16_t version) {")
    c("    memset(rec, 0, sizeof *rec);")
    c("    rec->api_key = api_key;")
    c("    rec->version = version;")
    c("    switch (api_key) {")
    for m in msgs:
        c("    case %d: kr_%s_init(&rec->u.%s); break;" % (m.api_key, m.name, m.name))
    c("    default: break;")
    c("    }")
    c("}")
    c()
    c("bool kr_metadata_body_decode(kr_reader *r, kr_metadata_record *rec, kr_arena *arena) {")
    c("    switch (rec->api_key) {")
    for m in msgs:
        c("    case %d: return kr_%s_decode(r, &rec->u.%s, rec->version, arena);" % (m.api_key, m.name, m.name))
    c("    default: kr_reader_fail(r, \"unknown metadata record type\"); return false;")
    c("    }")
    c("}")
    c()
    c("int kr_metadata_body_encode(kr_buf *out, const kr_metadata_record *rec, kr_error *err) {")
    c("    switch (rec->api_key) {")
    for m in msgs:
        c("    case %d: return kr_%s_encode(out, &rec->u.%s, rec->version, err);" % (m.api_key, m.name, m.name))
    c("    default: return kr_fail(err, KR_ERR_UNSUPPORTED, \"unknown metadata record type %d\", rec->api_key);")
    c("    }")
    c("}")
    c()
    c("json_t *kr_metadata_body_to_json(const kr_metadata_record *rec, int flags) {")
    c("    switch (rec->api_key) {")
    for m in msgs:
        c("    case %d: return kr_%s_to_json(&rec->u.%s, rec->version, flags);" % (m.api_key, m.name, m.name))
    c("    default: return json_null();")
    c("    }")
    c("}")
    c()


def emit_rpc_tables(h, c, msgs):
    reqs = {m.api_key: m for m in msgs if m.type == "request"}
    h("/* Request api keys this code knows, with their schema version ranges. */")
    h("typedef struct kr_api_info {")
    h("    int16_t api_key;")
    h("    const char *name;     /* \"Fetch\" */")
    h("    int16_t min_version;")
    h("    int16_t max_version;")
    h("    int16_t flexible_min; /* first flexible version, or -1 */")
    h("} kr_api_info;")
    h("/* NULL for an api key with no schema here. */")
    h("const kr_api_info *kr_api_lookup(int api_key);")
    h()
    c("static const kr_api_info api_table[] = {")
    for k in sorted(reqs):
        m = reqs[k]
        fmin = -1 if m.flexible.empty() else m.flexible.lo
        c("    {%d, \"%s\", %d, %d, %d}," % (k, m.name[: -len("Request")], m.valid.lo, m.valid.hi, fmin))
    c("};")
    c()
    c("const kr_api_info *kr_api_lookup(int api_key) {")
    c("    for (size_t i = 0; i < sizeof api_table / sizeof api_table[0]; i++)")
    c("        if (api_table[i].api_key == api_key) return &api_table[i];")
    c("    return NULL;")
    c("}")
    c()
    emit_rpc_codecs(h, c, msgs)


def emit_rpc_codecs(h, c, msgs):
    """Type-erased request/response codecs per api key, through wrappers (no
    function-pointer casts), for code that dispatches on the api key."""
    by_name = {m.name: m for m in msgs}
    reqs = {m.api_key: m for m in msgs if m.type == "request"}
    h("/* One API's request and response codecs behind void pointers, for code that")
    h(" * dispatches on the api key (the network layer). */")
    h("typedef struct kr_rpc_codec {")
    h("    const kr_api_info *info;")
    h("    size_t request_size, response_size;")
    h("    void (*request_init)(void *m);")
    h("    int (*request_encode)(kr_buf *out, const void *m, int16_t version, kr_error *err);")
    h("    bool (*request_decode)(kr_reader *r, void *m, int16_t version, kr_arena *arena);")
    h("    json_t *(*request_to_json)(const void *m, int16_t version, int flags);")
    h("    void (*response_init)(void *m);")
    h("    int (*response_encode)(kr_buf *out, const void *m, int16_t version, kr_error *err);")
    h("    bool (*response_decode)(kr_reader *r, void *m, int16_t version, kr_arena *arena);")
    h("    json_t *(*response_to_json)(const void *m, int16_t version, int flags);")
    h("} kr_rpc_codec;")
    h("/* NULL for an api key with no schema here. */")
    h("const kr_rpc_codec *kr_rpc_codec_lookup(int api_key);")
    h()
    pairs = []
    for k in sorted(reqs):
        rq = reqs[k].name
        rs = rq[: -len("Request")] + "Response"
        if rs not in by_name:
            continue
        pairs.append((k, rq, rs))
        for n in (rq, rs):
            c("static void rpc_init_%s(void *m) { kr_%s_init(m); }" % (n, n))
            c("static int rpc_encode_%s(kr_buf *out, const void *m, int16_t v, kr_error *err) {" % n)
            c("    return kr_%s_encode(out, m, v, err);" % n)
            c("}")
            c("static bool rpc_decode_%s(kr_reader *r, void *m, int16_t v, kr_arena *a) {" % n)
            c("    return kr_%s_decode(r, m, v, a);" % n)
            c("}")
            c("static json_t *rpc_json_%s(const void *m, int16_t v, int flags) {" % n)
            c("    return kr_%s_to_json(m, v, flags);" % n)
            c("}")
    c()
    c("static const kr_rpc_codec rpc_codecs[] = {")
    for k, rq, rs in pairs:
        c("    {&api_table[%d], sizeof(kr_%s), sizeof(kr_%s), rpc_init_%s, rpc_encode_%s, rpc_decode_%s, rpc_json_%s,"
          % (sorted(reqs).index(k), rq, rs, rq, rq, rq, rq))
        c("     rpc_init_%s, rpc_encode_%s, rpc_decode_%s, rpc_json_%s}," % (rs, rs, rs, rs))
    c("};")
    c()
    c("const kr_rpc_codec *kr_rpc_codec_lookup(int api_key) {")
    c("    for (size_t i = 0; i < sizeof rpc_codecs / sizeof rpc_codecs[0]; i++)")
    c("        if (rpc_codecs[i].info->api_key == api_key) return &rpc_codecs[i];")
    c("    return NULL;")
    c("}")
    c()


def emit_random(o, m):
    """kr_X_fill_random for tests: values valid at version v."""
    def rand_value(f, ref, within):
        nullable = nullable_cond(f, within)
        can_null = "0" if nullable == "0" else ("1" if nullable == "1" else "(%s)" % nullable)
        if f.is_array:
            o.block("")
            o("if (%s && kr_rand_below(rng, 8) == 0) { %s.n = -1; %s.v = NULL; }" % (can_null, ref, ref))
            o.block("else")
            o("%s.n = (int32_t)kr_rand_below(rng, 4);" % ref)
            o("%s.v = %s.n ? kr_arena_alloc(a, (size_t)%s.n * sizeof *%s.v) : NULL;" % (ref, ref, ref, ref))
            o.block("for (int32_t i = 0; i < %s.n; i++)" % ref)
            if f.elem_is_struct:
                o("rnd_%s(&%s.v[i], v, rng, a);" % (f.struct.fname(), ref))
            else:
                rand_prim(f.elem, "%s.v[i]" % ref, "0")
            o.end()
            o.end()
            o.end()
        elif f.elem_is_struct:
            o("rnd_%s(&%s, v, rng, a);" % (f.struct.fname(), ref))
        else:
            rand_prim(f.type, ref, can_null)

    def rand_prim(t, ref, can_null):
        if t == "bool":
            o("%s = kr_rand_below(rng, 2);" % ref)
        elif t in ("int8", "int16", "uint16", "int32", "uint32", "int64"):
            o("%s = (%s)kr_rand_int(rng);" % (ref, PRIMS[t][0]))
        elif t == "float64":
            o("%s = (double)(int32_t)kr_rand_int(rng) / 4.0;" % ref)
        elif t == "uuid":
            o("kr_rand_uuid(rng, &%s);" % ref)
        elif t == "string":
            o("%s = (%s && kr_rand_below(rng, 8) == 0) ? KR_STR_NULL : kr_rand_str(rng, a);" % (ref, can_null))
        else:
            o("%s = (%s && kr_rand_below(rng, 8) == 0) ? KR_BYTES_NULL : kr_rand_bytes(rng, a);" % (ref, can_null))

    for s in m.structs_postorder():
        static = "" if s.is_top else "static "
        o("%svoid %s(%s *m, int16_t v, kr_rand *rng, kr_arena *a) {" % (
            static, "kr_%s_fill_random" % m.name if s.is_top else "rnd_" + s.fname(), s.cname()))
        o.ind += 1
        o("%s_init(m);" % s.cname())
        within = m.valid
        for f in s.fields:
            present = f.versions.cond("v", within)
            if present == "0":
                continue
            o.block("if ((%s) && kr_rand_below(rng, 4) != 0)" % present)
            rand_value(f, "m->" + f.name, within)
            o.end()
        o.end()
        o()


HEADER_PRELUDE = """/* Generated by kraft/gen/generate.py from Apache Kafka 3.9's JSON schemas. Do not edit. */
#ifndef %(guard)s
#define %(guard)s

#include <stdbool.h>
#include <stdint.h>

#include "kraft/message.h"

"""

SOURCE_PRELUDE = """/* Generated by kraft/gen/generate.py from Apache Kafka 3.9's JSON schemas. Do not edit. */
#include "%(header)s"

#include <string.h>

"""


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def emit_unit(out_dir, base, msgs, title, extra=None):
    h, c = Out(), Out()
    guard = "KRAFT_GEN_%s_H" % base.upper()
    h.lines.append(HEADER_PRELUDE % {"guard": guard} + "/* %s */\n" % title)
    c.lines.append(SOURCE_PRELUDE % {"header": "kraft/gen/%s.h" % base})
    for m in msgs:
        emit_header_decls(h, m)
        emit_message(c, m)
    if extra:
        extra(h, c, msgs)
    h("#endif")
    write(os.path.join(out_dir, base + ".h"), h.text())
    write(os.path.join(out_dir, base + ".c"), c.text())


def emit_random_unit(out_dir, groups):
    h, c = Out(), Out()
    h.lines.append("""/* Generated by kraft/gen/generate.py: random messages for round-trip tests. */
#ifndef TESTS_SUPPORT_GEN_RANDOM_H
#define TESTS_SUPPORT_GEN_RANDOM_H

#include "kraft/gen/control_records.h"
#include "kraft/gen/metadata_records.h"
#include "kraft/gen/rpc_messages.h"
#include "tests/support/rand.h"
""")
    c.lines.append("""/* Generated by kraft/gen/generate.py: random messages for round-trip tests. */
#include "tests/support/gen_random.h"
""")
    table = []
    for group in groups:
        for m in group:
            h("void kr_%s_fill_random(kr_%s *m, int16_t v, kr_rand *rng, kr_arena *a);" % (m.name, m.name))
            emit_random(c, m)
            table.append(m)
    h()
    h("/* Every generated message, for tests that walk them all. */")
    h("typedef struct kr_message_ops {")
    h("    const char *name;")
    h("    int16_t min_version, max_version;")
    h("    size_t size;")
    h("    void (*fill_random)(void *m, int16_t v, kr_rand *rng, kr_arena *a);")
    h("    int (*encode)(kr_buf *out, const void *m, int16_t v, kr_error *err);")
    h("    bool (*decode)(kr_reader *r, void *m, int16_t v, kr_arena *a);")
    h("    json_t *(*to_json)(const void *m, int16_t v, int flags);")
    h("} kr_message_ops;")
    h("extern const kr_message_ops kr_all_messages[];")
    h("extern const size_t kr_all_messages_count;")
    h()
    h("#endif")
    c("const kr_message_ops kr_all_messages[] = {")
    for m in table:
        n = m.name
        c("    {\"%s\", %d, %d, sizeof(kr_%s), (void (*)(void *, int16_t, kr_rand *, kr_arena *))kr_%s_fill_random,"
          % (n, m.valid.lo, m.valid.hi, n, n))
        c("     (int (*)(kr_buf *, const void *, int16_t, kr_error *))kr_%s_encode," % n)
        c("     (bool (*)(kr_reader *, void *, int16_t, kr_arena *))kr_%s_decode," % n)
        c("     (json_t * (*)(const void *, int16_t, int))kr_%s_to_json}," % n)
    c("};")
    c("const size_t kr_all_messages_count = sizeof kr_all_messages / sizeof kr_all_messages[0];")
    write(os.path.join(out_dir, "gen_random.h"), h.text())
    write(os.path.join(out_dir, "gen_random.c"), c.text())


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    schema_dir, out_dir = sys.argv[1], sys.argv[2]
    random_dir = sys.argv[3] if len(sys.argv) > 3 else None

    def load_dir(sub, names=None):
        d = os.path.join(schema_dir, sub)
        msgs = []
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".json"):
                continue
            schema = load_schema(os.path.join(d, fn))
            if names is not None and schema["name"] not in names:
                continue
            msgs.append(Message(schema, sub))
        return msgs

    metadata = load_dir("metadata")
    control = load_dir("message", set(CONTROL_MESSAGES))
    rpc = [m for m in load_dir("message") if m.name not in CONTROL_MESSAGES]
    emit_unit(out_dir, "metadata_records", metadata, "Metadata records (kafka-schemas/metadata).",
              emit_metadata_dispatch)
    emit_unit(out_dir, "control_records", control,
              "KRaft control record values (bare bodies, version 0 in 3.9).")
    emit_unit(out_dir, "rpc_messages", rpc, "Kafka RPC requests and responses used by zk2kraft.",
              emit_rpc_tables)
    if random_dir:
        emit_random_unit(random_dir, [metadata, control, rpc])


if __name__ == "__main__":
    main()
