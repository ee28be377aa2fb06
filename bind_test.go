package kiln

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type bindAddress struct {
	City string `json:"city" validate:"required"`
	Zip  string `json:"zip"`
}

type bindItem struct {
	Name string `json:"name" validate:"required"`
	Qty  int    `json:"qty" validate:"required,min=1"`
}

type bindOrder struct {
	ID       int               `path:"id"`
	Page     int               `query:"page"`
	Tags     []string          `query:"tag"`
	Trace    string            `header:"X-Trace-Id"`
	Customer string            `json:"customer" validate:"required,min=3"`
	Paid     bool              `json:"paid" validate:"required"`
	Total    float64           `json:"total"`
	Note     *string           `json:"note"`
	Address  bindAddress       `json:"address"`
	Items    []bindItem        `json:"items" validate:"dive"`
	Meta     map[string]string `json:"meta"`
}

// bindRequest builds a request with a body of the given content type (none
// when ct is empty).
func bindRequest(method, target, ct, body string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	return r
}

// asError asserts err is a *Error with the status and returns it.
func asError(t *testing.T, err error, status int) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %d", status)
	}
	ke, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("err = %T %v, want *kiln.Error", err, err)
	}
	if ke.StatusCode() != status {
		t.Fatalf("status = %d, want %d (%v)", ke.StatusCode(), status, err)
	}
	return ke
}

func fieldMap(fs []FieldError) map[string]string {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		m[f.Field] = f.Message
	}
	return m
}

func TestBindJSONAllSources(t *testing.T) {
	t.Parallel()
	body := `{"customer":"Ada","paid":true,"total":12.5,"note":"ring twice",
		"address":{"city":"Paris","zip":"75001"},
		"items":[{"name":"tea","qty":2}],"meta":{"k":"v"}}`
	r := bindRequest("POST", "/orders/42?page=3&tag=a&tag=b", "application/json; charset=utf-8", body)
	r.SetPathValue("id", "42")
	r.Header.Set("X-Trace-Id", "abc")
	var got bindOrder
	if err := Bind(r, &got); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	note := "ring twice"
	want := bindOrder{
		ID: 42, Page: 3, Tags: []string{"a", "b"}, Trace: "abc",
		Customer: "Ada", Paid: true, Total: 12.5, Note: &note,
		Address: bindAddress{City: "Paris", Zip: "75001"},
		Items:   []bindItem{{Name: "tea", Qty: 2}},
		Meta:    map[string]string{"k": "v"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestBindJSONSuffixAndEmptyBody(t *testing.T) {
	t.Parallel()
	type in struct {
		Name string `json:"name"`
	}
	var v in
	if err := Bind(bindRequest("POST", "/", "application/merge-patch+json", `{"name":"x"}`), &v); err != nil || v.Name != "x" {
		t.Fatalf("+json: v=%+v err=%v", v, err)
	}
	// An empty JSON body is an empty object: validation reports the fields.
	type req struct {
		Name string `json:"name" validate:"required"`
	}
	for _, body := range []string{"", "  \n"} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		ke := asError(t, Bind(r, &req{}), http.StatusUnprocessableEntity)
		if fieldMap(ke.Fields)["name"] != "is required" {
			t.Errorf("body %q: fields = %v", body, ke.Fields)
		}
	}
}

func TestBindNoBody(t *testing.T) {
	t.Parallel()
	type q struct {
		Page int `query:"page"`
	}
	var v q
	// GET without a body and without a Content-Type.
	if err := Bind(httptest.NewRequest("GET", "/?page=2", nil), &v); err != nil || v.Page != 2 {
		t.Fatalf("v=%+v err=%v", v, err)
	}
	// A text/plain Content-Type with no body is fine too.
	r := httptest.NewRequest("GET", "/?page=5", nil)
	r.Header.Set("Content-Type", "text/plain")
	if err := Bind(r, &v); err != nil || v.Page != 5 {
		t.Fatalf("v=%+v err=%v", v, err)
	}
}

type bindLevel int

func (l *bindLevel) UnmarshalText(b []byte) error {
	switch string(b) {
	case "low":
		*l = 1
	case "high":
		*l = 2
	default:
		return errors.New("bad level")
	}
	return nil
}

type bindKinds struct {
	S     string        `query:"s"`
	B     bool          `query:"b"`
	I     int           `query:"i"`
	I8    int8          `query:"i8"`
	I64   int64         `query:"i64"`
	U     uint          `query:"u"`
	U16   uint16        `query:"u16"`
	F32   float32       `query:"f32"`
	F64   float64       `query:"f64"`
	T     time.Time     `query:"t"`
	D     time.Duration `query:"d"`
	IP    netip.Addr    `query:"ip"`
	Level bindLevel     `query:"level"`
	PI    *int          `query:"pi"`
	PS    *string       `query:"ps"`
	PNone *int          `query:"pnone"`
	Ints  []int         `query:"n"`
	Times []time.Time   `query:"ts"`
	First string        `query:"first"`
	Esc   string        `query:"a b"`
	Check bool          `query:"check"`
}

func TestBindQueryKinds(t *testing.T) {
	t.Parallel()
	q := "s=hi+there&b=true&i=-7&i8=127&i64=9000000000&u=7&u16=65535&f32=1.5&f64=-2.25" +
		"&t=2024-05-06T07:08:09Z&d=1h30m&ip=10.0.0.1&level=high&pi=0&ps=&n=1&n=&n=3" +
		"&ts=2024-01-01T00:00:00Z&ts=2024-01-02T00:00:00%2B02:00&first=one&first=two&a%20b=esc&check=on&unknown=%zz"
	var got bindKinds
	if err := Bind(httptest.NewRequest("GET", "/?"+q, nil), &got); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	zero, empty := 0, ""
	want := bindKinds{
		S: "hi there", B: true, I: -7, I8: 127, I64: 9000000000, U: 7, U16: 65535, F32: 1.5, F64: -2.25,
		T: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), D: 90 * time.Minute,
		IP: netip.MustParseAddr("10.0.0.1"), Level: 2, PI: &zero, PS: &empty,
		Ints:  []int{1, 3},
		First: "one", Esc: "esc", Check: true,
	}
	want.Times = []time.Time{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 0, 0, 0, 0, time.FixedZone("", 2*3600))}
	if len(got.Times) != 2 || !got.Times[0].Equal(want.Times[0]) || !got.Times[1].Equal(want.Times[1]) {
		t.Errorf("Times = %v", got.Times)
	}
	got.Times, want.Times = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestBindHeaderAndPath(t *testing.T) {
	t.Parallel()
	type in struct {
		Slug  string   `path:"slug"`
		Rest  string   `path:"rest"`
		Lang  []string `header:"accept-language"`
		Token *string  `header:"X-Token"`
		Limit int      `header:"X-Limit"`
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.SetPathValue("slug", "hello-world")
	r.Header.Add("Accept-Language", "fr")
	r.Header.Add("Accept-Language", "en")
	r.Header.Set("X-Limit", "25")
	var v in
	if err := Bind(r, &v); err != nil {
		t.Fatal(err)
	}
	if v.Slug != "hello-world" || v.Rest != "" || !reflect.DeepEqual(v.Lang, []string{"fr", "en"}) || v.Token != nil || v.Limit != 25 {
		t.Fatalf("v = %+v", v)
	}
}

func TestBindForm(t *testing.T) {
	t.Parallel()
	type in struct {
		Name   string   `form:"name" validate:"required"`
		Age    int      `form:"age"`
		Colors []string `form:"color"`
		Agree  bool     `form:"agree"`
		Page   int      `query:"page"`
	}
	r := bindRequest("POST", "/?page=2", "application/x-www-form-urlencoded", "name=Ada+L&age=36&color=red&color=blue&agree=on")
	var v in
	if err := Bind(r, &v); err != nil {
		t.Fatal(err)
	}
	want := in{Name: "Ada L", Age: 36, Colors: []string{"red", "blue"}, Agree: true, Page: 2}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %+v, want %+v", v, want)
	}
	if r.PostForm.Get("name") != "Ada L" {
		t.Errorf("r.PostForm not kept: %v", r.PostForm)
	}
}

func multipartBody(t *testing.T, fields map[string]string, files map[string][]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for k, contents := range files {
		for i, c := range contents {
			fw, err := mw.CreateFormFile(k, k+string(rune('a'+i))+".txt")
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(fw, c)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), &buf
}

func TestBindMultipart(t *testing.T) {
	t.Parallel()
	type in struct {
		Title  string                  `form:"title"`
		Avatar *multipart.FileHeader   `form:"avatar"`
		Docs   []*multipart.FileHeader `form:"docs"`
		None   *multipart.FileHeader   `form:"none"`
	}
	ct, body := multipartBody(t, map[string]string{"title": "Hi"}, map[string][]string{"avatar": {"png!"}, "docs": {"one", "two"}})
	r := httptest.NewRequest("POST", "/", body)
	r.Header.Set("Content-Type", ct)
	var v in
	if err := Bind(r, &v); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.MultipartForm.RemoveAll() })
	if v.Title != "Hi" || v.Avatar == nil || v.Avatar.Filename != "avatara.txt" || len(v.Docs) != 2 || v.None != nil {
		t.Fatalf("v = %+v", v)
	}
	f, err := v.Docs[1].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != "two" {
		t.Errorf("docs[1] = %q", b)
	}
}

// TestBindRequiredPresence checks that `required` accepts a present zero
// value (gin-gonic/gin#491) and still rejects an absent one.
func TestBindRequiredPresence(t *testing.T) {
	t.Parallel()
	type item struct {
		Count int `json:"count" validate:"required"`
	}
	type in struct {
		Age    int       `json:"age" query:"age" validate:"required"`
		Active bool      `json:"active" form:"active" validate:"required"`
		Score  float64   `json:"score" validate:"required,min=1"`
		Name   string    `json:"name" form:"name" validate:"required"`
		Limit  *int      `json:"limit" validate:"required"`
		Items  []item    `json:"items" validate:"dive"`
		At     time.Time `json:"at" validate:"required"`
	}
	tests := []struct {
		name     string
		r        *http.Request
		wantErrs map[string]string
	}{
		{
			name: "json zero values present",
			r: bindRequest("POST", "/", "application/json",
				`{"age":0,"active":false,"score":2,"name":"x","limit":0,"items":[{"count":0}],"at":"0001-01-01T00:00:00Z"}`),
		},
		{
			name: "json keys absent",
			r:    bindRequest("POST", "/", "application/json", `{"items":[{}]}`),
			wantErrs: map[string]string{
				"age": "is required", "active": "is required", "score": "is required", "name": "is required",
				"limit": "is required", "items[0].count": "is required", "at": "is required",
			},
		},
		{
			name:     "present zero still runs later rules",
			r:        bindRequest("POST", "/", "application/json", `{"age":0,"active":false,"score":0,"name":"x","limit":1,"at":"2024-01-01T00:00:00Z"}`),
			wantErrs: map[string]string{"score": "must be at least 1"},
		},
		{
			name:     "case-insensitive JSON key counts as present",
			r:        bindRequest("POST", "/", "application/json", `{"AGE":0,"Active":false,"score":1,"name":"x","limit":1,"at":"2024-01-01T00:00:00Z"}`),
			wantErrs: nil,
		},
		{
			name:     "empty string present is still missing",
			r:        bindRequest("POST", "/", "application/json", `{"age":1,"active":true,"score":1,"name":"","limit":1,"at":"2024-01-01T00:00:00Z"}`),
			wantErrs: map[string]string{"name": "is required"},
		},
		{
			name: "form and query zero values present",
			r: bindRequest("POST", "/?age=0", "application/x-www-form-urlencoded",
				"active=false&name=x"),
			wantErrs: map[string]string{"score": "is required", "limit": "is required", "at": "is required"},
		},
		{
			name:     "empty query value is absent",
			r:        bindRequest("POST", "/?age=", "application/x-www-form-urlencoded", "active=&name="),
			wantErrs: map[string]string{"age": "is required", "active": "is required", "name": "is required", "score": "is required", "limit": "is required", "at": "is required"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Bind(tt.r, &in{})
			if tt.wantErrs == nil {
				if err != nil {
					t.Fatalf("Bind: %v", err)
				}
				return
			}
			ke := asError(t, err, http.StatusUnprocessableEntity)
			if got := fieldMap(ke.Fields); !reflect.DeepEqual(got, tt.wantErrs) {
				t.Fatalf("fields = %v\nwant     %v", got, tt.wantErrs)
			}
		})
	}
}

// TestBindSourceFieldsIgnoreJSON checks that a field tagged for another
// source is not filled from a JSON key matching its Go name.
func TestBindSourceFieldsIgnoreJSON(t *testing.T) {
	t.Parallel()
	type in struct {
		UserID int    `path:"user"`
		Role   string `header:"X-Role"`
		Name   string `json:"name"`
	}
	r := bindRequest("POST", "/", "application/json", `{"UserID":7,"Role":"admin","name":"x"}`)
	r.SetPathValue("user", "3")
	var v in
	if err := Bind(r, &v); err != nil {
		t.Fatal(err)
	}
	if v != (in{UserID: 3, Name: "x"}) {
		t.Fatalf("v = %+v", v)
	}
}

func TestBindEmbedded(t *testing.T) {
	t.Parallel()
	type Paging struct {
		Page int `query:"page" validate:"min=1"`
	}
	type Audit struct {
		By string `json:"by" validate:"required"`
	}
	type in struct {
		Paging
		*Audit
		Q string `query:"q"`
	}
	var v in
	ke := asError(t, Bind(bindRequest("POST", "/?page=0&q=x", "application/json", `{"by":""}`), &v), http.StatusUnprocessableEntity)
	if got := fieldMap(ke.Fields); !reflect.DeepEqual(got, map[string]string{"page": "must be at least 1", "by": "is required"}) {
		t.Fatalf("fields = %v", got)
	}
	ke = asError(t, Bind(bindRequest("POST", "/", "application/json", `{"nope":1}`), &v), http.StatusBadRequest)
	if fieldMap(ke.Fields)["nope"] == "" {
		t.Fatalf("fields = %v", ke.Fields)
	}
}

func TestBindUsesAppConfig(t *testing.T) {
	t.Parallel()
	type in struct {
		Name string `json:"name"`
	}
	codec := &countingCodec{}
	app := New(Config{JSON: codec, Bind: BindConfig{AllowUnknownFields: true, MaxBodyBytes: 32}})
	withApp := func(r *http.Request) *http.Request { return r.WithContext(app.BaseContext(nil)) }

	var v in
	if err := Bind(withApp(bindRequest("POST", "/", "application/json", `{"name":"x","extra":1}`)), &v); err != nil || v.Name != "x" {
		t.Fatalf("unknown field allowed: v=%+v err=%v", v, err)
	}
	if codec.n.Load() != 1 {
		t.Errorf("app codec used %d times, want 1", codec.n.Load())
	}
	ke := asError(t, Bind(withApp(bindRequest("POST", "/", "application/json", `{"name":"`+strings.Repeat("x", 40)+`"}`)), &v), http.StatusRequestEntityTooLarge)
	if !strings.Contains(ke.Message, "32 bytes") {
		t.Errorf("message = %q", ke.Message)
	}
}

func TestBindErrors(t *testing.T) {
	t.Parallel()
	type inner struct {
		City string `json:"city"`
	}
	type in struct {
		Name  string    `json:"name" validate:"required,min=3"`
		Age   int       `json:"age" validate:"gte=0,lte=130"`
		Email string    `json:"email" validate:"required,email"`
		Addr  inner     `json:"address"`
		Items []inner   `json:"items"`
		Page  int       `query:"page"`
		Since time.Time `query:"since"`
		ID    uint8     `path:"id"`
		Limit int       `header:"X-Limit"`
		Score float64   `form:"score"`
		At    time.Time `json:"at"`
	}
	json := func(body string) *http.Request { return bindRequest("POST", "/", "application/json", body) }
	longBody := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	tests := []struct {
		name       string
		r          *http.Request
		status     int
		code       string
		msg        string            // substring of Message
		fields     map[string]string // exact Fields, when set
		wantFields bool
	}{
		{name: "malformed json", r: json("{\n  \"name\": \"Ada\",\n  \"age\": 3,}\n"), status: 400, code: "malformed_json",
			msg: "malformed JSON at line 3, column 12: invalid character '}'"},
		{name: "truncated json", r: json(`{"name":"Ada"`), status: 400, code: "malformed_json", msg: "line 1, column 14: unexpected end of input"},
		{name: "not json at all", r: json(`nope`), status: 400, code: "malformed_json", msg: "line 1, column 2"},
		{name: "wrong type", r: json(`{"age":"old"}`), status: 400, code: "invalid_field", fields: map[string]string{"age": "must be a number"}},
		{name: "fraction for int", r: json(`{"age":1.5}`), status: 400, fields: map[string]string{"age": "must be an integer that fits in 64 bits"}},
		{name: "wrong nested type", r: json(`{"address":{"city":5}}`), status: 400, fields: map[string]string{"address.city": "must be a string"}},
		{name: "wrong type in array", r: json(`{"items":[{"city":"a"},{"city":true}]}`), status: 400, fields: map[string]string{"items[1].city": "must be a string"}},
		{name: "object expected", r: json(`{"address":[1]}`), status: 400, fields: map[string]string{"address": "must be an object"}},
		{name: "bad time in json", r: json(`{"at":"tomorrow"}`), status: 400, code: "invalid_json", msg: "could not be decoded"},
		{name: "top-level array", r: json(`[1,2]`), status: 400, code: "invalid_json", msg: "must be a JSON object"},
		{name: "unknown field", r: json(`{"name":"Ada","admin":true}`), status: 400, code: "unknown_field", fields: map[string]string{"admin": "is not a known field"}},
		{name: "unknown nested field", r: json(`{"items":[{"city":"a","zip":1}]}`), status: 400, code: "unknown_field", fields: map[string]string{"items[0].zip": "is not a known field"}},
		{name: "trailing data", r: json(`{"name":"Ada"} {"name":"Bob"}`), status: 400, code: "trailing_data", msg: "line 1, column 16: unexpected data after the JSON value"},
		{name: "trailing brace", r: json(`{"name":"Ada"}}`), status: 400, code: "trailing_data"},
		{name: "unsupported media type", r: bindRequest("POST", "/", "text/plain", "hello"), status: 415,
			msg: "application/json, application/x-www-form-urlencoded or multipart/form-data"},
		{name: "body without content type", r: bindRequest("POST", "/", "", "hello"), status: 415, msg: "no Content-Type"},
		{name: "body too large", r: json(longBody), status: 413, code: "body_too_large", msg: "1 MiB"},
		{name: "form too large", r: bindRequest("POST", "/", "application/x-www-form-urlencoded", "score="+strings.Repeat("1", 1<<20)), status: 413},
		{name: "invalid query", r: bindRequest("GET", "/?page=abc", "", ""), status: 400, code: "invalid_field", fields: map[string]string{"page": "must be an integer"}},
		{name: "invalid query time", r: bindRequest("GET", "/?since=yesterday", "", ""), status: 400, wantFields: true},
		{name: "malformed query", r: bindRequest("GET", "/?page=%zz", "", ""), status: 400, code: "malformed_query"},
		{name: "query semicolon", r: bindRequest("GET", "/?page=1;x=2", "", ""), status: 400, code: "malformed_query"},
		{name: "invalid header", r: func() *http.Request {
			r := bindRequest("GET", "/", "", "")
			r.Header.Set("X-Limit", "many")
			return r
		}(), status: 400, fields: map[string]string{"X-Limit": "must be an integer"}},
		{name: "path out of range", r: func() *http.Request {
			r := bindRequest("GET", "/", "", "")
			r.SetPathValue("id", "300")
			return r
		}(), status: 400, fields: map[string]string{"id": "must be an integer between 0 and 255"}},
		{name: "invalid form value", r: bindRequest("POST", "/", "application/x-www-form-urlencoded", "score=high"), status: 400,
			fields: map[string]string{"score": "must be a number"}},
		{name: "malformed form", r: bindRequest("POST", "/", "application/x-www-form-urlencoded", "score=%zz"), status: 400, code: "malformed_form"},
		{name: "multipart without boundary", r: bindRequest("POST", "/", "multipart/form-data", "x"), status: 400, code: "malformed_multipart"},
		{name: "validation", r: json(`{"name":"Al","age":200,"email":"nope"}`), status: 422, code: "validation_failed",
			fields: map[string]string{"name": "must be at least 3 characters", "age": "must be at most 130", "email": "must be a valid email address"}},
		{name: "every params error listed", r: func() *http.Request {
			r := bindRequest("GET", "/?page=x", "", "")
			r.Header.Set("X-Limit", "y")
			return r
		}(), status: 400, fields: map[string]string{"page": "must be an integer", "X-Limit": "must be an integer"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ke := asError(t, Bind(tt.r, &in{}), tt.status)
			if tt.code != "" && ke.ErrorCode() != tt.code {
				t.Errorf("code = %q, want %q", ke.ErrorCode(), tt.code)
			}
			if !strings.Contains(ke.Message, tt.msg) {
				t.Errorf("message = %q, want it to contain %q", ke.Message, tt.msg)
			}
			if tt.fields != nil {
				if got := fieldMap(ke.Fields); !reflect.DeepEqual(got, tt.fields) {
					t.Errorf("fields = %v\nwant     %v", got, tt.fields)
				}
			}
			if tt.wantFields && len(ke.Fields) == 0 {
				t.Errorf("no fields in %v", ke)
			}
		})
	}
}

func TestBindOuterMaxBytesReader(t *testing.T) {
	t.Parallel()
	type in struct {
		Name string `json:"name" form:"name"`
	}
	body := `{"name":"` + strings.Repeat("x", 100) + `"}`
	tests := []struct{ name, ct, body string }{
		{"json", "application/json", body},
		{"form", "application/x-www-form-urlencoded", "name=" + strings.Repeat("x", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := bindRequest("POST", "/", tt.ct, tt.body)
			r.ContentLength = -1 // as with a chunked body
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
			ke := asError(t, Bind(r, &in{}), http.StatusRequestEntityTooLarge)
			if !strings.Contains(ke.Message, "10 bytes") {
				t.Errorf("message = %q", ke.Message)
			}
		})
	}
	t.Run("multipart", func(t *testing.T) {
		t.Parallel()
		ct, buf := multipartBody(t, map[string]string{"name": strings.Repeat("x", 4096)}, nil)
		r := httptest.NewRequest("POST", "/", buf)
		r.Header.Set("Content-Type", ct)
		r.ContentLength = -1
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 100)
		asError(t, Bind(r, &in{}), http.StatusRequestEntityTooLarge)
	})
	t.Run("multipart config limit", func(t *testing.T) {
		t.Parallel()
		app := New(Config{Bind: BindConfig{MaxMultipartBytes: 1000}})
		ct, buf := multipartBody(t, nil, map[string][]string{"f": {strings.Repeat("x", 5000)}})
		for _, cl := range []int64{int64(buf.Len()), -1} {
			r := httptest.NewRequest("POST", "/", bytes.NewReader(buf.Bytes()))
			r.Header.Set("Content-Type", ct)
			r.ContentLength = cl
			asError(t, Bind(r.WithContext(app.BaseContext(nil)), &in{}), http.StatusRequestEntityTooLarge)
		}
	})
}

func TestBindProgrammerErrors(t *testing.T) {
	t.Parallel()
	type ok struct {
		Name string `json:"name"`
	}
	type badKind struct {
		M map[string]string `query:"m"`
	}
	type badFile struct {
		F *multipart.FileHeader `query:"f"`
	}
	var s ok
	var nilPtr *ok
	tests := []struct {
		name string
		dst  any
		want string
	}{
		{"nil", nil, "pointer to a struct"},
		{"struct value", s, "got kiln.ok"},
		{"nil pointer", nilPtr, "non-nil pointer"},
		{"pointer to int", new(int), "got *int"},
		{"unsupported field type", &badKind{}, "badKind.M of type map[string]string"},
		{"file from query", &badFile{}, "only from a form tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Bind(httptest.NewRequest("GET", "/", nil), tt.dst)
			if err == nil {
				t.Fatal("err = nil")
			}
			if _, isKiln := errors.AsType[*Error](err); isKiln {
				t.Fatalf("err is a *kiln.Error (%v); want a plain programmer error", err)
			}
			if ErrorStatus(err) != http.StatusInternalServerError || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v (status %d), want 500 mentioning %q", err, ErrorStatus(err), tt.want)
			}
		})
	}
}

// TestBindConcurrent binds one type from many goroutines, for -race.
func TestBindConcurrent(t *testing.T) {
	t.Parallel()
	type in struct {
		N    int    `query:"n" validate:"required"`
		Name string `json:"name" validate:"required"`
	}
	done := make(chan error)
	for range 8 {
		go func() {
			var v in
			err := Bind(bindRequest("POST", "/?n=0", "application/json", `{"name":"x"}`), &v)
			if err == nil && v.N != 0 {
				err = errors.New("bad value")
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkBindJSON(b *testing.B) {
	type req struct {
		Name  string   `json:"name" validate:"required,min=2"`
		Email string   `json:"email" validate:"required,email"`
		Age   int      `json:"age" validate:"gte=0,lte=130"`
		Tags  []string `json:"tags"`
	}
	body := []byte(`{"name":"Ada Lovelace","email":"ada@example.com","age":36,"tags":["math","poetry"]}`)
	rd := bytes.NewReader(body)
	r := httptest.NewRequest("POST", "/", rd)
	r.Header.Set("Content-Type", "application/json")
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = io.NopCloser(rd)
		var v req
		if err := Bind(r, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBindQuery(b *testing.B) {
	type req struct {
		Page  int    `query:"page" validate:"min=1"`
		Size  int    `query:"size" validate:"min=1,max=100"`
		Sort  string `query:"sort" validate:"omitempty,oneof=name date"`
		Draft bool   `query:"draft"`
	}
	r := httptest.NewRequest("GET", "/posts?page=2&size=20&sort=date&draft=true", nil)
	b.ReportAllocs()
	for b.Loop() {
		var v req
		if err := Bind(r, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// countingCodec is StdJSON that counts Decode calls.
type countingCodec struct {
	StdJSON
	n atomic.Int64
}

func (c *countingCodec) Decode(r io.Reader, v any, strict bool) error {
	c.n.Add(1)
	return c.StdJSON.Decode(r, v, strict)
}
