package kiln

import (
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"

// manyRanges is an Accept header with more ranges than maxAcceptRanges.
var manyRanges = strings.TrimSuffix(strings.Repeat("image/x-a;q=0.9, ", maxAcceptRanges+3), ", ")

func TestNegotiate(t *testing.T) {
	t.Parallel()
	jsonXML := []string{"application/json", "application/xml"}
	htmlJSON := []string{"text/html", "application/json"}
	tests := []struct {
		name   string
		accept []string // header lines; nil means no Accept header
		offers []string
		want   string
	}{
		// Absent, empty or useless headers: the server's first choice.
		{"absent", nil, jsonXML, "application/json"},
		{"empty", []string{""}, jsonXML, "application/json"},
		{"blank", []string{" \t "}, jsonXML, "application/json"},
		{"only commas", []string{" , ,"}, jsonXML, "application/json"},
		{"all malformed", []string{"garbage, text, /, */html"}, jsonXML, "application/json"},
		{"no offers", []string{"*/*"}, nil, ""},

		// Exact, wildcard and q-values.
		{"exact", []string{"application/xml"}, jsonXML, "application/xml"},
		{"case-insensitive", []string{"Application/XML"}, jsonXML, "application/xml"},
		{"any", []string{"*/*"}, jsonXML, "application/json"},
		{"type wildcard", []string{"text/*"}, []string{"application/json", "text/plain"}, "text/plain"},
		{"higher q wins", []string{"application/json;q=0.5, application/xml;q=0.6"}, jsonXML, "application/xml"},
		{"q defaults to 1", []string{"application/json;q=0.999, application/xml"}, jsonXML, "application/xml"},
		{"q=1.000", []string{"application/xml;q=1.000, application/json;q=0.9"}, jsonXML, "application/xml"},
		{"nothing acceptable", []string{"image/png"}, jsonXML, ""},
		{"subtype mismatch", []string{"application/yaml"}, jsonXML, ""},
		{"browser prefers html", []string{browserAccept}, htmlJSON, "text/html"},
		{"browser gets xml over json", []string{browserAccept}, jsonXML, "application/xml"},
		{"browser json via */*", []string{browserAccept}, []string{"application/json"}, "application/json"},
		{"curl", []string{"*/*"}, htmlJSON, "text/html"},

		// Ties: the more specific match, then the earlier offer.
		{"specific beats wildcard at equal q", []string{"*/*, application/xml"}, jsonXML, "application/xml"},
		{"type wildcard beats any", []string{"*/*, application/*"}, []string{"text/plain", "application/json"}, "application/json"},
		{"offer order breaks full ties", []string{"application/xml, application/json"}, jsonXML, "application/json"},

		// Specificity decides which range applies (RFC 9110 §12.5.1).
		{"specific range overrides wildcard q", []string{"text/*;q=0.3, text/html;q=0.7, */*;q=0.5"},
			[]string{"text/plain", "text/html", "image/png"}, "text/html"},
		{"wildcard q applies when nothing specific", []string{"text/*;q=0.3, */*;q=0.5"},
			[]string{"text/plain", "image/png"}, "image/png"},

		// q=0 excludes, even when a wildcard would accept.
		{"q=0 excludes", []string{"application/json;q=0, */*"}, jsonXML, "application/xml"},
		{"q=0.0 excludes", []string{"*/*, application/json;q=0.0, application/xml;q=0.000"}, jsonXML, ""},
		{"wildcard q=0 excludes the rest", []string{"application/xml, */*;q=0"}, []string{"application/json", "text/html"}, ""},
		{"q=0 wildcard with specific", []string{"*/*;q=0, application/xml"}, jsonXML, "application/xml"},
		{"type wildcard q=0", []string{"text/*;q=0, */*;q=0.1"}, []string{"text/html", "image/png"}, "image/png"},

		// Media-type parameters.
		{"range params must match offer", []string{"text/html;level=1"}, []string{"text/html"}, ""},
		{"range params matched", []string{"text/html;level=1"}, []string{"text/html;level=1"}, "text/html;level=1"},
		{"params make a range more specific", []string{"text/html;level=1;q=0, text/html"},
			[]string{"text/html;level=1", "text/html;level=2"}, "text/html;level=2"},
		{"charset compared case-insensitively", []string{`text/plain; charset="UTF-8"`},
			[]string{"text/plain; charset=utf-8"}, "text/plain; charset=utf-8"},
		{"offer params ignored by plain range", []string{"text/plain"}, []string{"text/plain; charset=utf-8"}, "text/plain; charset=utf-8"},
		{"accept-ext after q ignored", []string{"application/xml;q=0.5;ext=1, application/json;q=0.4"}, jsonXML, "application/xml"},
		{"quoted comma", []string{`application/json;x="a,b";q=0.2, application/xml;q=0.3`}, []string{"application/json;x=\"a,b\"", "application/xml"}, "application/xml"},

		// More ranges than Negotiate keeps on the stack.
		{"many ranges", []string{manyRanges + ", application/xml;q=0.5, application/json;q=0.4"}, jsonXML, "application/xml"},
		{"many ranges, exclusion last", []string{manyRanges + ", */*;q=0.1, application/json;q=0"}, jsonXML, "application/xml"},
		{"many ranges over lines", strings.Split(manyRanges+",application/json", ","), jsonXML, "application/json"},
		{"many ranges, none fit", []string{manyRanges}, jsonXML, ""},

		// White space and multiple header lines.
		{"spaces", []string{"  application/json ; q=0.2 ,\tapplication/xml ; q=0.3 "}, jsonXML, "application/xml"},
		{"multiple lines", []string{"application/json;q=0.1", "application/xml;q=0.2"}, jsonXML, "application/xml"},
		{"empty elements", []string{",,application/xml,,"}, jsonXML, "application/xml"},

		// Malformed elements are skipped, the rest still counts.
		{"malformed q skipped", []string{"application/json;q=2, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"q with letters skipped", []string{"application/json;q=abc, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"q with four decimals skipped", []string{"application/json;q=0.1234, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"negative q skipped", []string{"application/json;q=-1, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"empty q skipped", []string{"application/json;q=, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"*/subtype skipped", []string{"*/json, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"missing subtype skipped", []string{"application/, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"space inside type skipped", []string{"application /json, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"unterminated quote spoils the header", []string{`application/xml;a="x, application/json`}, jsonXML, "application/json"},
		{"bad param skipped", []string{"application/json;a b=c, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"param without value skipped", []string{"application/json;level, application/xml;q=0.1"}, jsonXML, "application/xml"},
		{"trailing semicolon allowed", []string{"application/xml;"}, jsonXML, "application/xml"},
		{"valid after malformed", []string{"text, application/xml"}, jsonXML, "application/xml"},
		{"all malformed but one excluded", []string{"text, application/json;q=0"}, jsonXML, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			for _, line := range tt.accept {
				r.Header.Add("Accept", line)
			}
			if got := Negotiate(r, tt.offers...); got != tt.want {
				t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.accept, tt.offers, got, tt.want)
			}
		})
	}
}

func TestParseQ(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1000, true}, {"1.", 1000, true}, {"1.000", 1000, true}, {"0", 0, true},
		{"0.", 0, true}, {"0.5", 500, true}, {"0.05", 50, true}, {"0.001", 1, true},
		{"0.999", 999, true}, {"1.001", 0, false}, {"2", 0, false}, {"0.1234", 0, false},
		{".5", 0, false}, {"", 0, false}, {"0,5", 0, false}, {"1.0a", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := parseQ(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseQ(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestNegotiateAllocatesNothing(t *testing.T) {
	// Not parallel: AllocsPerRun counts every allocation in the process.
	for name, accept := range map[string]string{
		"browser":   browserAccept,
		"api":       "application/json",
		"weighted":  `application/json;q=0.8, application/xml;q=0.9;ext="x,y", text/*;q=0.1`,
		"malformed": "garbage;;q=5, /,",
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept", accept)
			if n := testing.AllocsPerRun(100, func() {
				Negotiate(r, "application/json", "application/xml", "text/html")
			}); n != 0 {
				t.Errorf("Negotiate allocates %v times per call, want 0", n)
			}
		})
	}
}

type respItem struct {
	XMLName xml.Name `json:"-" xml:"item"`
	ID      int      `json:"id" xml:"id,attr"`
	Name    string   `json:"name" xml:"name"`
}

func TestRespond(t *testing.T) {
	t.Parallel()
	item := respItem{ID: 7, Name: "kiln"}
	const (
		jsonBody = `{"id":7,"name":"kiln"}` + "\n"
		xmlBody  = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<item id="7"><name>kiln</name></item>`
	)
	tests := []struct {
		name   string
		accept string
		ctype  string
		body   string
	}{
		{"no accept", "", "application/json", jsonBody},
		{"any", "*/*", "application/json", jsonBody},
		{"json", "application/json", "application/json", jsonBody},
		{"xml", "application/xml", "application/xml; charset=utf-8", xmlBody},
		{"text/xml only", "text/xml", "text/xml; charset=utf-8", xmlBody},
		{"application wildcard", "application/*", "application/json", jsonBody},
		{"browser", browserAccept, "application/xml; charset=utf-8", xmlBody},
		{"xml preferred", "application/json;q=0.5, application/xml", "application/xml; charset=utf-8", xmlBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if err := Respond(rec, r, http.StatusCreated, item); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusCreated || rec.Header().Get("Content-Type") != tt.ctype || rec.Body.String() != tt.body {
				t.Errorf("got %d %q %q, want 201 %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body, tt.ctype, tt.body)
			}
			if got := rec.Header().Values("Vary"); len(got) != 1 || got[0] != "Accept" {
				t.Errorf("Vary = %q, want [Accept]", got)
			}
		})
	}
	t.Run("406", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", "text/html, application/json;q=0")
		err := Respond(rec, r, 200, item)
		var ke *Error
		if !errors.As(err, &ke) || ke.StatusCode() != http.StatusNotAcceptable {
			t.Fatalf("error = %v, want a 406 *kiln.Error", err)
		}
		if !strings.Contains(ke.PublicMessage(), "application/json or application/xml") {
			t.Errorf("message %q does not name the available types", ke.PublicMessage())
		}
		if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
			t.Errorf("something was written: %v %q", rec.Header(), rec.Body)
		}
	})
	t.Run("vary not duplicated", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		rec.Header().Add("Vary", "Origin, accept")
		if err := Respond(rec, httptest.NewRequest("GET", "/", nil), 200, item); err != nil {
			t.Fatal(err)
		}
		if got := rec.Header().Values("Vary"); len(got) != 1 {
			t.Errorf("Vary = %q, want Accept listed once", got)
		}
	})
}

func BenchmarkNegotiate(b *testing.B) {
	for _, bc := range []struct{ name, accept string }{
		{"absent", ""},
		{"api", "application/json"},
		{"browser", browserAccept},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/", nil)
			if bc.accept != "" {
				r.Header.Set("Accept", bc.accept)
			}
			b.ReportAllocs()
			for b.Loop() {
				Negotiate(r, "application/json", "application/xml")
			}
		})
	}
}
