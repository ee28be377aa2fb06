package middleware

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestETag(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/doc", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"hello":"world"}`)
	})
	mux.HandleFunc("/own", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v7"`)
		io.WriteString(w, "versioned")
	})
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "new")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 64))
		io.WriteString(w, strings.Repeat("y", 64))
	})
	mux.HandleFunc("/flushed", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "streamed")
		http.NewResponseController(w).Flush()
	})
	srv := serve(t, ETagWith(ETagConfig{MaxSize: 100})(mux))

	res, body := send(t, srv, "GET", "/doc", nil, nil)
	tag := res.Header.Get("ETag")
	if res.StatusCode != 200 || string(body) != `{"hello":"world"}` || !strings.HasPrefix(tag, `"`) || len(tag) != 24 {
		t.Fatalf("GET /doc = %d %q ETag %q, want 200, the body and a quoted strong tag", res.StatusCode, body, tag)
	}
	tests := []struct {
		name       string
		method     string
		path       string
		inm        string // If-None-Match
		wantStatus int
		wantTag    string // "-" means no tag
		wantBody   string
	}{
		{name: "match", path: "/doc", inm: tag, wantStatus: 304, wantTag: tag},
		{name: "weak match", path: "/doc", inm: "W/" + tag, wantStatus: 304, wantTag: tag},
		{name: "match in list", path: "/doc", inm: `"a", "b,c", ` + tag, wantStatus: 304, wantTag: tag},
		{name: "star", path: "/doc", inm: "*", wantStatus: 304, wantTag: tag},
		{name: "no match", path: "/doc", inm: `"other"`, wantStatus: 200, wantTag: tag, wantBody: `{"hello":"world"}`},
		{name: "unquoted is not a match", path: "/doc", inm: strings.Trim(tag, `"`), wantStatus: 200, wantTag: tag, wantBody: `{"hello":"world"}`},
		{name: "garbage", path: "/doc", inm: `W/"unterminated, ,,W/`, wantStatus: 200, wantTag: tag, wantBody: `{"hello":"world"}`},
		{name: "head", method: "HEAD", path: "/doc", inm: tag, wantStatus: 304, wantTag: tag},
		{name: "handler tag kept", path: "/own", wantStatus: 200, wantTag: `"v7"`, wantBody: "versioned"},
		{name: "handler tag honoured", path: "/own", inm: `"v7"`, wantStatus: 304, wantTag: `"v7"`},
		{name: "not 200", path: "/created", wantStatus: 201, wantTag: "-", wantBody: "new"},
		{name: "post ignored", method: "POST", path: "/doc", inm: tag, wantStatus: 200, wantTag: "-", wantBody: `{"hello":"world"}`},
		{name: "over MaxSize passes through", path: "/big", wantStatus: 200, wantTag: "-", wantBody: strings.Repeat("x", 64) + strings.Repeat("y", 64)},
		{name: "flushed passes through", path: "/flushed", wantStatus: 200, wantTag: "-", wantBody: "streamed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method := tt.method
			if method == "" {
				method = "GET"
			}
			h := http.Header{}
			if tt.inm != "" {
				h.Set("If-None-Match", tt.inm)
			}
			res, body := send(t, srv, method, tt.path, nil, h)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			got := res.Header.Get("ETag")
			if tt.wantTag == "-" && got != "" || tt.wantTag != "-" && got != tt.wantTag {
				t.Errorf("ETag = %q, want %q", got, tt.wantTag)
			}
			if string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantStatus == 304 && res.Header.Get("Content-Type") != "" {
				t.Errorf("304 carries Content-Type %q", res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestETagStable(t *testing.T) {
	t.Parallel()
	srv := serve(t, ETag(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "same")
	})))
	a, _ := send(t, srv, "GET", "/", nil, nil)
	b, _ := send(t, srv, "GET", "/", nil, nil)
	if a.Header.Get("ETag") == "" || a.Header.Get("ETag") != b.Header.Get("ETag") {
		t.Errorf("tags %q and %q, want equal tags for equal bodies", a.Header.Get("ETag"), b.Header.Get("ETag"))
	}
}

func TestSplitETags(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		`"a"`:                     {`"a"`},
		`"a", W/"b" ,"c,d"`:       {`"a"`, `W/"b"`, `"c,d"`},
		`*`:                       {"*"},
		`W/`:                      nil,
		`"unterminated`:           nil,
		`"a", bare, "c"`:          {`"a"`},
		"":                        nil,
		",,, \t":                  nil,
		`W/"x"W/"y"`:              {`W/"x"`, `W/"y"`},
		strings.Repeat(`"x",`, 3): {`"x"`, `"x"`, `"x"`},
	}
	for in, want := range tests {
		got := splitETags(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("splitETags(%q) = %q, want %q", in, got, want)
		}
	}
}
