package kilntest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/kilntest"
)

func newApp() *kiln.App {
	app := kiln.New(kiln.Config{})
	app.Handle("GET /posts/{id}", func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := fmt.Fprintf(w, `{"id": %q}`, r.PathValue("id"))
		return err
	})
	return app
}

// This example shows a test function; examples cannot receive a
// *testing.T, so it is only compiled.
func ExampleNew() {
	testShowPost := func(t *testing.T) {
		c := kilntest.New(t, newApp())
		c.Get("/posts/7").
			AssertStatus(http.StatusOK).
			AssertHeaderContains("Content-Type", "application/json").
			AssertJSON(`{"id": "7"}`)

		c.PostForm("/login", url.Values{"user": {"ann"}}) // the Client keeps the session cookie
		c.Get("/posts/7", kilntest.WithHeader("Accept", "application/json"))
	}
	_ = testShowPost
}

// This example shows a table of scenarios; it is only compiled.
func ExampleRun() {
	testPosts := func(t *testing.T) {
		kilntest.Run(t, newApp(), []kilntest.Scenario{
			{Name: "show", Path: "/posts/7", WantJSON: map[string]string{"id": "7"}},
			{Name: "no route", Path: "/nope", WantStatus: http.StatusNotFound},
			{Name: "wrong method", Method: "DELETE", Path: "/posts/7",
				WantStatus: http.StatusMethodNotAllowed,
				WantHeader: map[string]string{"Allow": "GET, HEAD"}},
		})
	}
	_ = testPosts
}
