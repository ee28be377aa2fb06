package kiln_test

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/kiln-web/kiln"
)

func ExampleJSON() {
	type post struct {
		ID    int    `json:"id"`
		Title string `json:"title"`
	}
	handler := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.JSON(w, http.StatusCreated, post{ID: 1, Title: "Hello"})
	})

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("POST", "/posts", nil))
	fmt.Println(rec.Code)
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Content-Length"))
	fmt.Print(rec.Body)
	// Output:
	// 201
	// application/json
	// 25
	// {"id":1,"title":"Hello"}
}

// Render buffers any renderer that writes to an io.Writer, so that a
// failure half-way sends nothing; here, CSV.
func ExampleRender() {
	rows := [][]string{{"id", "title"}, {"1", "Hello, Kiln"}}
	handler := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return kiln.Render(w, http.StatusOK, "text/csv; charset=utf-8", func(b io.Writer) error {
			return csv.NewWriter(b).WriteAll(rows)
		})
	})

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/posts.csv", nil))
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body)
	// Output:
	// text/csv; charset=utf-8
	// id,title
	// 1,"Hello, Kiln"
}

func ExampleNegotiate() {
	for _, accept := range []string{
		"",
		"application/xml",
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"application/*, application/json;q=0",
		"text/*;q=0.5, application/json;q=0.4",
		"image/png",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		fmt.Printf("%q\n", kiln.Negotiate(r, "application/json", "text/html"))
	}
	// Output:
	// "application/json"
	// ""
	// "text/html"
	// ""
	// "text/html"
	// ""
}

func ExampleRespond() {
	type status struct {
		OK bool `json:"ok" xml:"ok"`
	}
	r := httptest.NewRequest("GET", "/status", nil)
	r.Header.Set("Accept", "application/xml")
	rec := httptest.NewRecorder()
	if err := kiln.Respond(rec, r, http.StatusOK, status{OK: true}); err != nil {
		fmt.Println(err)
	}
	fmt.Println(rec.Header().Get("Content-Type"))
	fmt.Println(rec.Header().Get("Vary"))
	fmt.Println(rec.Body)

	r.Header.Set("Accept", "image/png")
	err := kiln.Respond(httptest.NewRecorder(), r, http.StatusOK, status{OK: true})
	fmt.Println(kiln.ErrorStatus(err))
	// Output:
	// application/xml; charset=utf-8
	// Accept
	// <?xml version="1.0" encoding="UTF-8"?>
	// <status><ok>true</ok></status>
	// 406
}

func ExampleAttachment() {
	dir, err := os.MkdirTemp("", "kiln-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "export-1234.csv")
	if err := os.WriteFile(path, []byte("id,total\n1,9.50\n"), 0o600); err != nil {
		panic(err)
	}

	handler := kiln.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		// The download is named after the user's data, not the file on disk.
		return kiln.Attachment(w, r, path, "請求書 2024.csv")
	})
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("GET", "/invoices/2024.csv", nil))
	fmt.Println(rec.Code)
	fmt.Println(rec.Header().Get("Content-Disposition"))
	fmt.Println(rec.Header().Get("Content-Length"))
	fmt.Print(rec.Body)
	// Output:
	// 200
	// attachment; filename="___ 2024.csv"; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%202024.csv
	// 16
	// id,total
	// 1,9.50
}

func ExampleContentDisposition() {
	fmt.Println(kiln.ContentDisposition("attachment", "report.pdf"))
	fmt.Println(kiln.ContentDisposition("inline", "évil\"\r\nX-Injected: 1.txt"))
	// Output:
	// attachment; filename="report.pdf"
	// inline; filename="_vilX-Injected: 1.txt"; filename*=UTF-8''%C3%A9vilX-Injected%3A%201.txt
}

func ExampleRedirect() {
	r := httptest.NewRequest("POST", "/posts", nil)
	rec := httptest.NewRecorder()
	if err := kiln.Redirect(rec, r, "/posts/42", http.StatusSeeOther); err != nil {
		fmt.Println(err)
	}
	fmt.Println(rec.Code, rec.Header().Get("Location"))

	// A status that is not a redirect is a programming error.
	fmt.Println(kiln.Redirect(httptest.NewRecorder(), r, "/posts/42", http.StatusOK))
	// Output:
	// 303 /posts/42
	// kiln.Redirect: status 200 is not a redirect; use 301, 302, 303, 307 or 308
}

// Swap the JSON codec for the whole app with Config.JSON. Any type with
// Encode and Decode methods works (a wrapper around another JSON library,
// for instance); here StdJSON is configured to leave <, > and & as they
// are.
func ExampleStdJSON_swapCodec() {
	app := kiln.New(kiln.Config{
		JSON: kiln.StdJSON{DisableHTMLEscape: true},
	})
	// kiln.JSON, kiln.Respond and binding now use the app's codec.
	if err := app.JSONCodec().Encode(os.Stdout, map[string]string{"html": "<b>Tom & Jerry</b>"}); err != nil {
		fmt.Println(err)
	}
	if err := (kiln.StdJSON{}).Encode(os.Stdout, "<b>"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {"html":"<b>Tom & Jerry</b>"}
	// "\u003cb\u003e"
}
