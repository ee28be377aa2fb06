package kilntest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strconv"
)

// maxDiffs bounds the differences one JSON assertion lists.
const maxDiffs = 10

// jsonText returns want as JSON text: strings, []byte and json.RawMessage
// as they are, anything else encoded.
func jsonText(want any) ([]byte, error) {
	switch w := want.(type) {
	case string:
		return []byte(w), nil
	case []byte:
		return w, nil
	case json.RawMessage:
		return w, nil
	}
	return json.Marshal(want)
}

// decodeJSON decodes exactly one JSON value, keeping numbers exact.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

// jsonDiff lists the differences between two decoded JSON values, by path,
// at most maxDiffs of them.
func jsonDiff(got, want any) []string {
	var out []string
	diffAt("$", got, want, &out)
	if len(out) > maxDiffs {
		n := len(out) - maxDiffs
		out = append(out[:maxDiffs], fmt.Sprintf("… and %d more", n))
	}
	return out
}

func diffAt(path string, got, want any, out *[]string) {
	if len(*out) > maxDiffs {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			if !ok {
				*out = append(*out, fmt.Sprintf("%s: missing, want %s", keyPath(path, k), short(w[k])))
				continue
			}
			diffAt(keyPath(path, k), gv, w[k], out)
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				*out = append(*out, fmt.Sprintf("%s: unexpected, got %s", keyPath(path, k), short(g[k])))
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		if len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: got %d elements, want %d", path, len(g), len(w)))
		}
		for i := range min(len(g), len(w)) {
			diffAt(path+"["+strconv.Itoa(i)+"]", g[i], w[i], out)
		}
		for i := len(w); i < len(g); i++ {
			*out = append(*out, fmt.Sprintf("%s[%d]: unexpected, got %s", path, i, short(g[i])))
		}
		for i := len(g); i < len(w); i++ {
			*out = append(*out, fmt.Sprintf("%s[%d]: missing, want %s", path, i, short(w[i])))
		}
		return
	case json.Number:
		if g, ok := got.(json.Number); ok && numbersEqual(g, w) {
			return
		}
	default: // string, bool, nil
		if got == want {
			return
		}
	}
	*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want)))
}

func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

// keyPath appends an object key to a path: $.name, or $["odd key"].
func keyPath(path, key string) string {
	ident := key != ""
	for i, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			ident = false
			break
		}
	}
	if ident {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

// short renders a decoded JSON value for a message, cut at 80 bytes.
func short(v any) string {
	s := string(compact(v))
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	switch v.(type) {
	case map[string]any:
		return "object " + s
	case []any:
		return "array " + s
	}
	return s
}

func compact(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // decoded JSON always encodes
	return bytes.TrimRight(buf.Bytes(), "\n")
}
