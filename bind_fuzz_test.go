package kiln

import (
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

type fuzzLine struct {
	SKU   string  `json:"sku" validate:"required,alphanum"`
	Qty   int     `json:"qty" validate:"required,min=1,max=99"`
	Price float64 `json:"price" validate:"gte=0"`
}

type fuzzTarget struct {
	Name    string              `json:"name" form:"name" validate:"required,min=2,max=20"`
	Email   string              `json:"email" form:"email" validate:"omitempty,email"`
	Age     int8                `json:"age" form:"age" validate:"required,gte=0,lte=120"`
	Active  bool                `json:"active" form:"active" validate:"required"`
	Score   *float32            `json:"score" form:"score"`
	When    time.Time           `json:"when" form:"when"`
	Wait    time.Duration       `json:"wait" form:"wait"`
	IP      netip.Addr          `json:"ip" form:"ip"`
	Tags    []string            `json:"tags" form:"tag" validate:"max=5,dive,min=1"`
	Nums    []uint16            `json:"nums" form:"num"`
	Lines   []fuzzLine          `json:"lines" validate:"dive"`
	Nested  *fuzzLine           `json:"nested"`
	ByKey   map[string]fuzzLine `json:"by_key" validate:"dive"`
	Any     any                 `json:"any"`
	Raw     json.RawMessage     `json:"raw"`
	Matrix  [][]int             `json:"matrix"`
	Fixed   [2]bool             `json:"fixed"`
	File    *multipart.FileHeader
	Page    int        `query:"page" validate:"min=0"`
	Sort    string     `query:"sort" validate:"omitempty,oneof=asc desc"`
	IDs     []int64    `query:"id"`
	Since   *time.Time `query:"since"`
	Limit   uint       `header:"X-Limit"`
	Slug    string     `path:"slug" validate:"omitempty,max=30"`
	Level   bindLevel  `query:"level"`
	Ratio   float64    `query:"ratio"`
	Enabled *bool      `query:"enabled" validate:"required"`
}

// checkFuzzErr fails unless err is nil or a *kiln.Error with a 4xx status.
func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	ke, ok := errors.AsType[*Error](err)
	if !ok {
		t.Fatalf("error is %T, not *kiln.Error: %v", err, err)
	}
	if s := ke.StatusCode(); s < 400 || s > 499 {
		t.Fatalf("status %d, want 4xx: %v", s, err)
	}
	if ke.Message == "" && len(ke.Fields) == 0 {
		t.Fatalf("error has neither message nor fields: %v", err)
	}
	for _, f := range ke.Fields {
		if f.Message == "" {
			t.Fatalf("field error without message: %+v", f)
		}
	}
}

func FuzzBindJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"Ada","age":0,"active":false}`,
		`{"name":"Ada","email":"ada@example.com","age":36,"active":true,"score":1.5,"when":"2024-01-02T03:04:05Z","wait":1000,"ip":"::1"}`,
		`{"lines":[{"sku":"A1","qty":0},{"sku":"","qty":"x"}],"nested":{"sku":"b"},"by_key":{"k":{"qty":1}}}`,
		`{"any":{"deep":[1,{"x":null}]},"raw":[1,2,3],"matrix":[[1],[2,3]],"fixed":[true,false,true]}`,
		`{"tags":["a","b","c","d","e","f"],"nums":[65536]}`,
		`{"name":"A\u0064a","\u0061ge":1}`,
		`{"unknown":1}`,
		`{"age":1,}`,
		`{"name":"x"} trailing`,
		`[1,2]`,
		`null`,
		`"str"`,
		``,
		`{"name":`,
		`{"AGE":5,"NAME":"bob"}`,
		strings.Repeat(`[`, 200),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v fuzzTarget
		checkFuzzErr(t, Bind(r, &v))
	})
}

func FuzzBindForm(f *testing.F) {
	const boundary = "kilnfuzzboundary"
	multi := func(parts ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(parts); i += 2 {
			b.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + parts[i] + "\"\r\n\r\n" + parts[i+1] + "\r\n")
		}
		b.WriteString("--" + boundary + "--\r\n")
		return b.String()
	}
	for _, s := range []string{
		"name=Ada&age=0&active=false",
		"name=Ada&age=300&active=maybe&score=x&when=now&wait=forever&ip=nope&tag=&tag=a&num=-1",
		"name=%zz",
		"a=1;b=2",
		"&&&=&name",
		"tag=a&tag=b&tag=c&tag=d&tag=e&tag=f&tag=g",
	} {
		f.Add(s, false)
	}
	f.Add(multi("name", "Ada", "age", "7", "active", "on"), true)
	f.Add(multi("age", "x", "num", "70000"), true)
	f.Add("--"+boundary+"\r\nContent-Disposition: form-data; name=\"File\"; filename=\"a.txt\"\r\n\r\nhello\r\n--"+boundary+"--\r\n", true)
	f.Add("garbage", true)
	f.Fuzz(func(t *testing.T, body string, isMultipart bool) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		if isMultipart {
			r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		} else {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		var v fuzzTarget
		checkFuzzErr(t, Bind(r, &v))
		if r.MultipartForm != nil {
			r.MultipartForm.RemoveAll()
		}
	})
}

func FuzzBindQuery(f *testing.F) {
	for _, s := range [][3]string{
		{"page=1&sort=asc&id=1&id=2&enabled=false", "10", "hello"},
		{"page=-1&sort=up&id=x&since=2024-01-01T00:00:00Z&level=low&ratio=1e400", "-1", strings.Repeat("x", 40)},
		{"page=%zz", "", ""},
		{"enabled=on&page=&id=&level=medium", "18446744073709551616", ""},
		{"a;b", "x", "y"},
		{"since=yesterday&enabled=maybe", " 5 ", "%"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, rawQuery, limit, slug string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.RawQuery = rawQuery
		r.Header = http.Header{"X-Limit": {limit}}
		r.SetPathValue("slug", slug)
		var v fuzzTarget
		checkFuzzErr(t, Bind(r, &v))
	})
}
