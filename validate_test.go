package kiln

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
)

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	type rules struct {
		Required  string         `json:"required" validate:"required"`
		MinStr    string         `json:"min_str" validate:"min=3"`
		MinStr1   string         `json:"min_str1" validate:"min=1"`
		MaxStr    string         `json:"max_str" validate:"max=5"`
		MinNum    int            `json:"min_num" validate:"min=1"`
		MaxNum    float64        `json:"max_num" validate:"max=10"`
		MinItems  []int          `json:"min_items" validate:"min=2"`
		MaxItems  map[string]int `json:"max_items" validate:"max=1"`
		Email     string         `json:"email" validate:"email"`
		URL       string         `json:"url" validate:"url"`
		OneOf     string         `json:"one_of" validate:"oneof=a b c"`
		OneOfQ    string         `json:"one_of_q" validate:"oneof='red apple' pear"`
		LenStr    string         `json:"len_str" validate:"len=4"`
		LenNum    int            `json:"len_num" validate:"len=4"`
		Gt        int            `json:"gt" validate:"gt=0"`
		Gte       int            `json:"gte" validate:"gte=5"`
		Lt        int            `json:"lt" validate:"lt=0"`
		Lte       int            `json:"lte" validate:"lte=-1"`
		GtStr     string         `json:"gt_str" validate:"gt=2"`
		UUID      string         `json:"uuid" validate:"uuid"`
		Alpha     string         `json:"alpha" validate:"alpha"`
		AlphaNum  string         `json:"alphanum" validate:"alphanum"`
		Numeric   string         `json:"numeric" validate:"numeric"`
		Password  string         `json:"password"`
		Confirm   string         `json:"confirm" validate:"eqfield=Password"`
		Future    time.Time      `json:"future" validate:"gt"`
		Fallback  string         `json:"fallback" validate:"isbn"`
		Contains  string         `json:"contains" validate:"contains=@"`
		NoTagName string         `validate:"required"`
	}
	v := rules{
		MinStr: "ab", MinStr1: "", MaxStr: "abcdef", MinNum: 0, MaxNum: 11,
		MinItems: []int{1}, MaxItems: map[string]int{"a": 1, "b": 2},
		Email: "nope", URL: "nope", OneOf: "d", OneOfQ: "plum", LenStr: "abc", LenNum: 3,
		Gt: 0, Gte: 4, Lt: 0, Lte: 0, GtStr: "ab", UUID: "nope", Alpha: "a1", AlphaNum: "a-1", Numeric: "x",
		Password: "secret1", Confirm: "secret2", Future: time.Now().Add(-time.Hour),
		Fallback: "nope", Contains: "x",
	}
	want := map[string]string{
		"required":  "is required",
		"min_str":   "must be at least 3 characters",
		"min_str1":  "must be at least 1 character",
		"max_str":   "must be at most 5 characters",
		"min_num":   "must be at least 1",
		"max_num":   "must be at most 10",
		"min_items": "must contain at least 2 items",
		"max_items": "must contain at most 1 item",
		"email":     "must be a valid email address",
		"url":       "must be a valid URL",
		"one_of":    "must be one of: a, b, c",
		"one_of_q":  "must be one of: red apple, pear",
		"len_str":   "must be exactly 4 characters",
		"len_num":   "must be 4",
		"gt":        "must be greater than 0",
		"gte":       "must be at least 5",
		"lt":        "must be less than 0",
		"lte":       "must be at most -1",
		"gt_str":    "must be longer than 2 characters",
		"uuid":      "must be a valid UUID",
		"alpha":     "must contain only letters",
		"alphanum":  "must contain only letters and digits",
		"numeric":   "must be a number",
		"confirm":   "must match password",
		"future":    "must be in the future",
		"fallback":  `must satisfy the "isbn" rule`,
		"contains":  "must contain @",
		"NoTagName": "is required",
	}
	err := Validate(v)
	ke, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("err = %v, want *Error", err)
	}
	if ke.StatusCode() != http.StatusUnprocessableEntity || ke.ErrorCode() != "validation_failed" {
		t.Fatalf("status %d code %q", ke.StatusCode(), ke.ErrorCode())
	}
	got := fieldMap(ke.Fields)
	for field, msg := range want {
		if got[field] != msg {
			t.Errorf("%s: message %q, want %q", field, got[field], msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d fields, want %d: %v", len(got), len(want), got)
	}
	for _, f := range ke.Fields {
		if f.Field == "confirm" && f.Code != "eqfield" {
			t.Errorf("confirm code = %q, want eqfield", f.Code)
		}
	}
}

func TestValidateNames(t *testing.T) {
	t.Parallel()
	type Line struct {
		Name string `json:"name" validate:"required"`
	}
	type Address struct {
		City string `json:"city" validate:"required"`
	}
	type Base struct {
		Owner string `json:"owner" validate:"required"`
	}
	type doc struct {
		Base
		Title   string          `form:"title" validate:"required"`
		Page    int             `query:"page" validate:"min=1"`
		Token   string          `header:"X-Token" validate:"required"`
		Address Address         `json:"address"`
		Billing *Address        `json:"billing"`
		Lines   []Line          `json:"lines" validate:"dive"`
		ByKey   map[string]Line `json:"by_key" validate:"dive"`
		Tags    []string        `json:"tags" validate:"dive,min=2"`
		GoName  int             `validate:"min=1"`
	}
	d := doc{
		Billing: &Address{},
		Lines:   []Line{{Name: "a"}, {Name: "b"}, {}},
		ByKey:   map[string]Line{"k.1": {}},
		Tags:    []string{"ok", "x"},
	}
	ke, ok := errors.AsType[*Error](Validate(&d))
	if !ok {
		t.Fatal("want *Error")
	}
	var names []string
	for _, f := range ke.Fields {
		names = append(names, f.Field)
	}
	want := []string{"owner", "title", "page", "X-Token", "address.city", "billing.city", "lines[2].name", "by_key[k.1].name", "tags[1]", "GoName"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names = %q\nwant    %q", names, want)
	}
}

func TestValidatePlainSemantics(t *testing.T) {
	t.Parallel()
	type in struct {
		Age    int   `json:"age" validate:"required"`
		Active bool  `json:"active" validate:"required"`
		Ptr    *int  `json:"ptr" validate:"required"`
		OK     *bool `json:"ok" validate:"required"`
	}
	f := false
	ke, ok := errors.AsType[*Error](Validate(in{OK: &f}))
	if !ok {
		t.Fatal("want *Error")
	}
	want := map[string]string{"age": "is required", "active": "is required", "ptr": "is required"}
	if got := fieldMap(ke.Fields); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	if err := Validate(in{Age: 1, Active: true, Ptr: new(int), OK: &f}); err != nil {
		t.Fatalf("valid struct: %v", err)
	}
	type noRules struct{ A int }
	if err := Validate(noRules{}); err != nil {
		t.Fatalf("no rules: %v", err)
	}
}

func TestValidateProgrammerErrors(t *testing.T) {
	t.Parallel()
	type badTag struct {
		A string `validate:"no_such_rule_xyz"`
	}
	var nilPtr *badTag
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, "got nil"},
		{"int", 3, "got int"},
		{"nil pointer", nilPtr, "non-nil pointer"},
		{"unknown rule", badTag{}, "check its validate tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			if _, isKiln := errors.AsType[*Error](err); isKiln {
				t.Fatalf("err is a *kiln.Error; want a plain programmer error")
			}
		})
	}
}

func TestValidRequiredRest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tag, rest string
		ok        bool
	}{
		{"required", "", true},
		{"required,min=1,max=10", "min=1,max=10", true},
		{"min=1,required,max=3", "max=3", true},
		{"required,eqfield=Other,lt=5", "lt=5", true},
		{"required,gtfield=A|eq=0", "", true},
		{"min=1", "", false},
		{"dive,required", "", false},
		{"required_if=A 1", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			t.Parallel()
			rest, ok := validRequiredRest(tt.tag)
			if rest != tt.rest || ok != tt.ok {
				t.Fatalf("validRequiredRest(%q) = %q, %v; want %q, %v", tt.tag, rest, ok, tt.rest, tt.ok)
			}
		})
	}
}

// TestRegisterValidation is not parallel: registration must not run
// concurrently with validation.
func TestRegisterValidation(t *testing.T) {
	even := func(fl validator.FieldLevel) bool { return fl.Field().Int()%2 == 0 }
	if err := RegisterValidation("kiln_test_even", even, "must be even"); err != nil {
		t.Fatal(err)
	}
	multiple := func(fl validator.FieldLevel) bool { return true }
	if err := RegisterValidation("kiln_test_param", multiple, "must be a multiple of {param}"); err != nil {
		t.Fatal(err)
	}
	type in struct {
		N int `json:"n" validate:"kiln_test_even"`
	}
	ke, ok := errors.AsType[*Error](Validate(in{N: 3}))
	if !ok || len(ke.Fields) != 1 || ke.Fields[0] != (FieldError{Field: "n", Message: "must be even", Code: "kiln_test_even"}) {
		t.Fatalf("got %v", ke)
	}
	if err := Validate(in{N: 4}); err != nil {
		t.Fatalf("even: %v", err)
	}
	fe := validMessage(fakeFieldError{tag: "kiln_test_param", param: "5"}, nil)
	if fe != "must be a multiple of 5" {
		t.Errorf("param message = %q", fe)
	}

	bad := []struct {
		name string
		tag  string
		fn   validator.Func
	}{
		{"empty tag", "", even},
		{"nil func", "kiln_test_nil", nil},
		{"restricted tag", "required", even},
		{"tag with comma", "a,b", even},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if err := RegisterValidation(tt.tag, tt.fn, "x"); err == nil {
				t.Fatalf("RegisterValidation(%q) = nil, want error", tt.tag)
			}
		})
	}
}

// fakeFieldError is a validator.FieldError for message tests.
type fakeFieldError struct {
	validator.FieldError
	tag, param string
}

func (f fakeFieldError) Tag() string        { return f.tag }
func (f fakeFieldError) Param() string      { return f.param }
func (f fakeFieldError) Kind() reflect.Kind { return reflect.Int }
func (f fakeFieldError) Type() reflect.Type { return reflect.TypeFor[int]() }

type validPage[T any] struct {
	Items []T `json:"items" validate:"min=1,dive"`
}

func TestValidateTypeNames(t *testing.T) {
	t.Parallel()
	type item struct {
		Name string `json:"name" validate:"required"`
	}
	tests := []struct {
		name string
		v    any
		want []string
	}{
		{"anonymous struct", struct {
			A    int `json:"a" validate:"min=1"`
			Addr struct {
				City string `json:"city" validate:"required"`
			} `json:"addr"`
		}{}, []string{"a", "addr.city"}},
		{"generic type", validPage[item]{Items: []item{{}}}, []string{"items[0].name"}},
		{"generic type empty", &validPage[item]{}, []string{"items"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ke, ok := errors.AsType[*Error](Validate(tt.v))
			if !ok {
				t.Fatal("want *Error")
			}
			var got []string
			for _, f := range ke.Fields {
				got = append(got, f.Field)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields = %q, want %q", got, tt.want)
			}
		})
	}
}
