package kiln

// Validation runs go-playground/validator/v10 over a struct and turns its
// errors into one 422 *Error whose FieldErrors use the names clients know
// (json tag, else form, query, path or header tag, else the Go name; nested
// as "address.city", elements as "items[2].name") and human messages.
//
// `required` and presence. validator's `required` means "not the zero
// value", so a client that sends {"age": 0} or ?active=false is told the
// field is required (gin-gonic/gin#491, go-playground/validator#290, #692,
// #1455). validator cannot be taught otherwise from outside: `required` is
// one of its restricted tags, which RegisterValidation and RegisterAlias
// refuse, and its per-type rule maps (RegisterStructValidationMapRules) are
// not safe to register while other requests validate. So Kiln keeps
// validator's rule and corrects its result with what only Bind knows, which
// keys the request contained:
//
//  1. At plan time, a field is presence-sensitive when its validate tag has a
//     top-level `required` and its type is a bool, a number or a time.Time,
//     kinds whose zero value a client can mean. Strings are left out on
//     purpose: HTML forms send an empty input as "name=", and `required`
//     on a text field must keep rejecting it. Pointers are left out too: a
//     nil pointer is absent, and a non-nil one already passes.
//  2. While binding, Bind records each presence-sensitive field that got a
//     value, by client path: JSON keys found by a scan of the body (only for
//     types that have such fields), form, query, header and path values
//     that were not empty.
//  3. After validator runs, a `required` failure for a recorded path is
//     dropped, and the rules after `required` in that field's tag, which
//     validator skipped when `required` failed, are run on the value with
//     Var. Rules that refer to other fields (eqfield, required_if, …) need
//     the parent struct and cannot run through Var, so for a present zero
//     value they are skipped.
//
// Validate on its own has no request and so no presence: it keeps
// validator's semantics, where `required` rejects zero values and a pointer
// is the way to accept 0 or false.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-playground/validator/v10"
)

var (
	validOnce     sync.Once
	validInstance *validator.Validate
	// validMessages maps custom rule tags to their messages. It is replaced,
	// never changed, so reads need no lock.
	validMessages atomic.Pointer[map[string]string]
)

func validatorInstance() *validator.Validate {
	validOnce.Do(func() { validInstance = validator.New() })
	return validInstance
}

// Validate checks the struct v, or the struct a pointer v points to, against
// the rules in its `validate` struct tags (go-playground/validator/v10
// syntax, plus rules added with RegisterValidation).
//
// It returns nil, or an *Error from ValidationError (422, code
// "validation_failed") listing every failing field. Each FieldError is named
// as the client knows the field, its json tag, else its form, query, path or
// header tag, else its Go name, with nested fields as "address.city" and
// elements as "items[2].name", carries a human message such as "must be at
// least 3 characters", and has the rule's tag as its Code.
//
// Without a request Validate cannot know which fields a client sent, so
// `required` has validator's meaning: the zero value fails. Bind, which
// does know, lets a present 0 or false satisfy `required`.
//
// Passing anything but a struct or a non-nil pointer to one, or a struct
// whose validate tags do not parse, is a programmer error: Validate returns
// a plain error saying so.
//
// Validate is safe for concurrent use.
func Validate(v any) error {
	t := reflect.TypeOf(v)
	if t != nil && t.Kind() == reflect.Pointer {
		if reflect.ValueOf(v).IsNil() {
			t = nil
		} else {
			t = t.Elem()
		}
	}
	if t == nil || t.Kind() != reflect.Struct {
		return fmt.Errorf("kiln: Validate needs a struct or a non-nil pointer to a struct, got %s", typeName(v))
	}
	plan := bindPlanFor(t)
	if !plan.validates {
		return nil
	}
	return validateValue(context.Background(), v, plan, nil)
}

// RegisterValidation adds a validation rule usable in `validate` tags, with
// the message shown to clients when it fails, for example:
//
//	kiln.RegisterValidation("slug", func(fl validator.FieldLevel) bool {
//		return slugRE.MatchString(fl.Field().String())
//	}, "must contain only lower-case letters, digits and dashes")
//
// A "{param}" in message is replaced by the rule's parameter
// (`validate:"multiple=5"` with "must be a multiple of {param}"). An empty
// message gives a generic one naming the rule. Registering the tag of a
// built-in rule replaces it; `required` and validator's other structural
// tags (omitempty, dive, …) cannot be replaced and give an error.
//
// RegisterValidation is not safe for concurrent use with itself, Bind or
// Validate: call it at start-up, before the app serves requests, and before
// any struct using the rule is validated.
func RegisterValidation(tag string, fn validator.Func, message string) (err error) {
	if tag == "" || fn == nil {
		return errors.New("kiln: RegisterValidation needs a tag name and a function")
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("kiln: cannot register validation %q: %v", tag, p)
		}
	}()
	if err := validatorInstance().RegisterValidation(tag, fn); err != nil {
		return fmt.Errorf("kiln: cannot register validation %q: %w", tag, err)
	}
	m := map[string]string{}
	if old := validMessages.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[tag] = message
	validMessages.Store(&m)
	return nil
}

// validateValue validates s (a struct or a pointer to one, of plan's type)
// and converts validator's errors, applying presence as described at the
// top of this file.
func validateValue(ctx context.Context, s any, plan *bindPlan, pres *bindPresence) (err error) {
	vd := validatorInstance()
	defer func() {
		// validator panics on tags it cannot parse or rules it does not
		// know; that is a bug in the struct, not in the request.
		if p := recover(); p != nil {
			err = fmt.Errorf("kiln: cannot validate %s: %v; check its validate tags and that custom rules are registered before use", plan.typ, p)
		}
	}()
	verr := vd.StructCtx(ctx, s)
	if verr == nil {
		return nil
	}
	ves, ok := errors.AsType[validator.ValidationErrors](verr)
	if !ok {
		return fmt.Errorf("kiln: cannot validate %s: %w", plan.typ, verr)
	}
	fields := make([]FieldError, 0, len(ves))
	for _, fe := range ves {
		path, parent := plan.clientPath(fe.StructNamespace())
		if fe.ActualTag() == "required" {
			if rest, present := pres.lookup(path); present {
				if rest == "" {
					continue
				}
				if rerr := vd.VarCtx(ctx, fe.Value(), rest); rerr != nil {
					if more, ok := errors.AsType[validator.ValidationErrors](rerr); ok {
						for _, fe2 := range more {
							fields = append(fields, FieldError{Field: path, Message: validMessage(fe2, parent), Code: fe2.Tag()})
						}
					}
				}
				continue
			}
		}
		fields = append(fields, FieldError{Field: path, Message: validMessage(fe, parent), Code: fe.Tag()})
	}
	if len(fields) == 0 {
		return nil
	}
	return ValidationError(fields...)
}

// clientPath turns a validator struct namespace ("User.Base.Items[2].Name")
// into the path a client knows ("items[2].name"), skipping embedded structs
// and using client names. It also returns the plan of the struct that holds
// the last field, for naming the fields rules such as eqfield refer to.
func (p *bindPlan) clientPath(ns string) (string, *bindPlan) {
	// validator starts the namespace with the type's name, which is empty
	// for an anonymous struct type and has brackets for a generic one.
	if name := p.typ.Name(); name != "" {
		ns = strings.TrimPrefix(ns, name+".")
	}
	var b strings.Builder
	cur, parent := p, p
	for ns != "" {
		name := ns
		if i := strings.IndexAny(ns, ".["); i >= 0 {
			name, ns = ns[:i], ns[i:]
		} else {
			ns = ""
		}
		var t reflect.Type
		var f *bindField
		if cur != nil {
			f = cur.byGo[name]
		}
		switch {
		case f == nil:
			validAppendSeg(&b, name)
		case f.anonymous:
			parent, t = cur, f.typ
		default:
			parent, t = cur, f.typ
			validAppendSeg(&b, f.name)
		}
		for strings.HasPrefix(ns, "[") {
			j := strings.IndexByte(ns, ']')
			if j < 0 {
				b.WriteString(ns)
				ns = ""
				break
			}
			b.WriteString(ns[:j+1])
			ns = ns[j+1:]
			t = validElem(t)
		}
		ns = strings.TrimPrefix(ns, ".")
		cur = nil
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != nil && t.Kind() == reflect.Struct && t != bindTimeType {
			cur = bindPlanFor(t)
		}
	}
	return b.String(), parent
}

func validAppendSeg(b *strings.Builder, seg string) {
	if b.Len() > 0 {
		b.WriteByte('.')
	}
	b.WriteString(seg)
}

func validElem(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map:
		return t.Elem()
	}
	return nil
}

// validRequiredRest reports whether tag has a top-level `required` rule and
// returns the rules after it that can run on the value alone.
func validRequiredRest(tag string) (rest string, ok bool) {
	if tag == "" || tag == "-" {
		return "", false
	}
	toks := strings.Split(tag, ",")
	for i, tok := range toks {
		if tok == "dive" || tok == "keys" {
			return "", false
		}
		if tok != "required" {
			continue
		}
		var keep []string
		for _, t := range toks[i+1:] {
			if !validCrossField(t) {
				keep = append(keep, t)
			}
		}
		return strings.Join(keep, ","), true
	}
	return "", false
}

// validCrossField reports whether a rule (or any alternative of an OR
// rule) needs the struct around the field.
func validCrossField(rule string) bool {
	for alt := range strings.SplitSeq(rule, "|") {
		name, _, _ := strings.Cut(alt, "=")
		if strings.HasSuffix(name, "field") || strings.HasPrefix(name, "required_") ||
			strings.HasPrefix(name, "excluded_") || strings.HasPrefix(name, "skip_") {
			return true
		}
	}
	return false
}

// validPresenceKind reports whether a client can mean t's zero value.
func validPresenceKind(t reflect.Type) bool {
	if t == bindTimeType {
		return true
	}
	switch t.Kind() {
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// validComparison holds the wording of one size or order rule for each kind
// of value it can apply to.
type validComparison struct {
	size   string // strings, followed by "3 characters"
	items  string // slices and maps, followed by "3 items"
	time   string // time.Time without a parameter (compared with now)
	number string // numbers, followed by the parameter
}

var validComparisons = map[string]validComparison{
	"min": {"must be at least", "must contain at least", "must not be in the past", "must be at least"},
	"gte": {"must be at least", "must contain at least", "must not be in the past", "must be at least"},
	"max": {"must be at most", "must contain at most", "must not be in the future", "must be at most"},
	"lte": {"must be at most", "must contain at most", "must not be in the future", "must be at most"},
	"len": {"must be exactly", "must contain exactly", "", "must be"},
	"gt":  {"must be longer than", "must contain more than", "must be in the future", "must be greater than"},
	"lt":  {"must be shorter than", "must contain fewer than", "must be in the past", "must be less than"},
}

// validMessage returns the human message for a failed rule.
func validMessage(fe validator.FieldError, parent *bindPlan) string {
	tag, param := fe.Tag(), fe.Param()
	if m := validMessages.Load(); m != nil {
		if msg, ok := (*m)[tag]; ok && msg != "" {
			return strings.ReplaceAll(msg, "{param}", param)
		}
	}
	what := validWhat(fe)
	switch tag {
	case "required", "required_if", "required_unless", "required_with", "required_with_all",
		"required_without", "required_without_all":
		return "is required"
	case "excluded_if", "excluded_unless", "excluded_with", "excluded_with_all",
		"excluded_without", "excluded_without_all", "isdefault":
		return "must not be set"
	case "min", "gte", "max", "lte", "len", "gt", "lt":
		c := validComparisons[tag]
		switch {
		case what == "string":
			return c.size + " " + validCount(param, "character")
		case what == "items":
			return c.items + " " + validCount(param, "item")
		case what == "time" && param == "" && c.time != "":
			return c.time
		}
		return c.number + " " + param
	case "eq", "eq_ignore_case":
		return "must be " + param
	case "ne", "ne_ignore_case":
		return "must not be " + param
	case "eqfield", "eqcsfield":
		return "must match " + validFieldRef(parent, param)
	case "nefield", "necsfield":
		return "must be different from " + validFieldRef(parent, param)
	case "gtfield", "gtcsfield":
		return "must be greater than " + validFieldRef(parent, param)
	case "gtefield", "gtecsfield":
		return "must be greater than or equal to " + validFieldRef(parent, param)
	case "ltfield", "ltcsfield":
		return "must be less than " + validFieldRef(parent, param)
	case "ltefield", "ltecsfield":
		return "must be less than or equal to " + validFieldRef(parent, param)
	case "oneof", "oneofci":
		return "must be one of: " + strings.Join(validOneOf(param), ", ")
	case "email":
		return "must be a valid email address"
	case "url":
		return "must be a valid URL"
	case "http_url", "https_url":
		return "must be a valid HTTP URL"
	case "uri":
		return "must be a valid URI"
	case "uuid", "uuid_rfc4122", "uuid3", "uuid3_rfc4122", "uuid4", "uuid4_rfc4122", "uuid5", "uuid5_rfc4122":
		return "must be a valid UUID"
	case "ulid":
		return "must be a valid ULID"
	case "alpha", "alphaunicode":
		return "must contain only letters"
	case "alphanum", "alphanumunicode":
		return "must contain only letters and digits"
	case "alphaspace":
		return "must contain only letters and spaces"
	case "numeric":
		return "must be a number"
	case "number":
		return "must contain only digits"
	case "hexadecimal":
		return "must be a hexadecimal number"
	case "hexcolor", "iscolor", "rgb", "rgba", "hsl", "hsla":
		return "must be a valid color"
	case "lowercase":
		return "must be lower case"
	case "uppercase":
		return "must be upper case"
	case "ascii":
		return "must contain only ASCII characters"
	case "printascii":
		return "must contain only printable ASCII characters"
	case "boolean":
		return "must be true or false"
	case "contains":
		return "must contain " + param
	case "containsany":
		return "must contain at least one of " + param
	case "excludes":
		return "must not contain " + param
	case "excludesall":
		return "must not contain any of " + param
	case "startswith":
		return "must start with " + param
	case "endswith":
		return "must end with " + param
	case "startsnotwith":
		return "must not start with " + param
	case "endsnotwith":
		return "must not end with " + param
	case "unique":
		return "must not contain duplicates"
	case "ip", "ip_addr":
		return "must be a valid IP address"
	case "ipv4", "ip4_addr":
		return "must be a valid IPv4 address"
	case "ipv6", "ip6_addr":
		return "must be a valid IPv6 address"
	case "cidr", "cidrv4", "cidrv6":
		return "must be a valid CIDR range"
	case "mac":
		return "must be a valid MAC address"
	case "hostname", "hostname_rfc1123", "hostname_port":
		return "must be a valid host name"
	case "fqdn":
		return "must be a fully qualified domain name"
	case "e164":
		return "must be a phone number in E.164 format, such as +14155552671"
	case "json":
		return "must be valid JSON"
	case "jwt":
		return "must be a valid JWT"
	case "base64", "base64url", "base64rawurl":
		return "must be valid base64"
	case "datetime":
		return "must be a date or time in the format " + param
	case "timezone":
		return "must be a valid time zone"
	case "latitude":
		return "must be a valid latitude"
	case "longitude":
		return "must be a valid longitude"
	case "semver":
		return "must be a semantic version such as 1.2.3"
	case "iso3166_1_alpha2":
		return "must be a two-letter country code"
	case "iso3166_1_alpha3":
		return "must be a three-letter country code"
	case "iso4217":
		return "must be a currency code"
	case "bcp47_language_tag":
		return "must be a language tag such as en-GB"
	case "credit_card", "luhn_checksum":
		return "must be a valid card number"
	}
	if param != "" {
		return fmt.Sprintf("must satisfy the %q rule", tag+"="+param)
	}
	return fmt.Sprintf("must satisfy the %q rule", tag)
}

// validWhat classifies the failing value for size rules: "string",
// "items" (slices, arrays, maps), "time" or "number".
func validWhat(fe validator.FieldError) string {
	t := fe.Type()
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == bindTimeType {
		return "time"
	}
	switch fe.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array, reflect.Map:
		return "items"
	}
	return "number"
}

func validCount(n, noun string) string {
	if n == "1" {
		return n + " " + noun
	}
	return n + " " + noun + "s"
}

// validFieldRef names the field a cross-field rule refers to the way
// clients know it.
func validFieldRef(parent *bindPlan, param string) string {
	if parent != nil {
		if f := parent.byGo[param]; f != nil {
			return f.name
		}
	}
	return param
}

// validOneOf splits a oneof parameter the way validator does: on spaces,
// with 'single quotes' around values that contain them.
func validOneOf(param string) []string {
	var out []string
	for param != "" {
		param = strings.TrimLeft(param, " ")
		if param == "" {
			break
		}
		if param[0] == '\'' {
			if end := strings.IndexByte(param[1:], '\''); end >= 0 {
				out = append(out, param[1:1+end])
				param = param[2+end:]
				continue
			}
		}
		word, rest, _ := strings.Cut(param, " ")
		out = append(out, word)
		param = rest
	}
	return out
}
