package functions_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
)

// schema is the subset of JSON Schema (draft-07) the fc3 component's schema uses: type,
// enum, const, properties, required, additionalProperties, items, minItems, maxItems,
// minimum, maximum, multipleOf, pattern, anyOf, if/then/else and local $ref. A keyword
// outside that set makes validate fail loudly, so a newer schema cannot pass by being
// half-read.
type schema struct {
	root map[string]any
}

var knownKeywords = map[string]bool{
	"$schema": true, "definitions": true, "type": true, "enum": true, "const": true, "properties": true,
	"required": true, "additionalProperties": true, "items": true, "minItems": true, "maxItems": true,
	"minimum": true, "maximum": true, "multipleOf": true, "pattern": true, "anyOf": true,
	"if": true, "then": true, "else": true, "$ref": true, "default": true, "description": true,
}

func parseSchema(raw []byte) (*schema, error) {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, err
	}
	return &schema{root: root}, nil
}

// validate returns every violation of v against the schema, each with its path.
func (s *schema) validate(v any) []string {
	var errs []string
	s.check(s.root, normalize(v), "props", &errs)
	sort.Strings(errs)
	return errs
}

// normalize turns YAML-decoded numbers into float64, as JSON has them.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	}
	return v
}

func (s *schema) resolve(ref string) (map[string]any, error) {
	name, ok := strings.CutPrefix(ref, "#/definitions/")
	if !ok {
		return nil, fmt.Errorf("unsupported $ref %q", ref)
	}
	defs, _ := s.root["definitions"].(map[string]any)
	d, ok := defs[name].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("$ref %q: no such definition", ref)
	}
	return d, nil
}

func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func (s *schema) check(sc map[string]any, v any, path string, errs *[]string) {
	add := func(format string, args ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, args...)) }
	for k := range sc {
		if !knownKeywords[k] {
			add("schema keyword %q is not understood by this validator", k)
		}
	}
	if ref, ok := sc["$ref"].(string); ok {
		d, err := s.resolve(ref)
		if err != nil {
			add("%v", err)
			return
		}
		s.check(d, v, path, errs)
	}
	if t, ok := sc["type"].(string); ok {
		got := typeOf(v)
		if got != t && !(t == "number" && got == "integer") {
			add("is %s, want %s", got, t)
			return
		}
	}
	if enum, ok := sc["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if e == v {
				found = true
			}
		}
		if !found {
			add("%v is not one of %v", v, enum)
		}
	}
	if c, ok := sc["const"]; ok && c != v {
		add("%v is not %v", v, c)
	}
	if n, ok := v.(float64); ok {
		if m, ok := sc["minimum"].(float64); ok && n < m {
			add("%v is below the minimum %v", n, m)
		}
		if m, ok := sc["maximum"].(float64); ok && n > m {
			add("%v is above the maximum %v", n, m)
		}
		if m, ok := sc["multipleOf"].(float64); ok && math.Mod(n, m) != 0 {
			add("%v is not a multiple of %v", n, m)
		}
	}
	if p, ok := sc["pattern"].(string); ok {
		if str, ok := v.(string); ok && !regexp.MustCompile(p).MatchString(str) {
			add("%q does not match %s", str, p)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := sc["properties"].(map[string]any)
		for _, r := range asStrings(sc["required"]) {
			if _, ok := obj[r]; !ok {
				add("%s is required", r)
			}
		}
		for k, e := range obj {
			if ps, ok := props[k].(map[string]any); ok {
				s.check(ps, e, path+"."+k, errs)
				continue
			}
			switch ap := sc["additionalProperties"].(type) {
			case bool:
				if !ap {
					add("property %s is not allowed", k)
				}
			case map[string]any:
				s.check(ap, e, path+"."+k, errs)
			default:
				// draft-07: absent means allowed. The component ignores unknown props,
				// but a misspelt one silently does nothing, so report those at the top.
				if path == "props" && sc["properties"] != nil {
					add("property %s is not in the fc3 schema", k)
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if m, ok := sc["minItems"].(float64); ok && float64(len(arr)) < m {
			add("%d items, want at least %v", len(arr), m)
		}
		if m, ok := sc["maxItems"].(float64); ok && float64(len(arr)) > m {
			add("%d items, want at most %v", len(arr), m)
		}
		if it, ok := sc["items"].(map[string]any); ok {
			for i, e := range arr {
				s.check(it, e, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	}
	if alts, ok := sc["anyOf"].([]any); ok {
		var all []string
		matched := false
		for _, alt := range alts {
			var e []string
			s.check(alt.(map[string]any), v, path, &e)
			if len(e) == 0 {
				matched = true
				break
			}
			all = append(all, strings.Join(e, "; "))
		}
		if !matched {
			add("matches none of anyOf: [%s]", strings.Join(all, "] ["))
		}
	}
	if cond, ok := sc["if"].(map[string]any); ok {
		var e []string
		s.check(cond, v, path, &e)
		branch := "else"
		if len(e) == 0 {
			branch = "then"
		}
		if b, ok := sc[branch].(map[string]any); ok {
			s.check(b, v, path, errs)
		}
	}
}

func asStrings(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
