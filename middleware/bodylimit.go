package middleware

import (
	"fmt"
	"net/http"

	"github.com/kiln-web/kiln"
)

// BodyLimit returns middleware that limits request bodies to n bytes. A
// request that declares a larger Content-Length is answered 413 Content
// Too Large through kiln.WriteError without calling the handler. Other
// bodies (chunked, or declared within the limit) are wrapped with
// http.MaxBytesReader, so a read past n bytes fails with an
// *http.MaxBytesError; kiln's Bind answers that with 413, and handlers
// reading the body themselves should do the same.
//
// BodyLimit panics if n is negative. A limit of 0 refuses any body.
func BodyLimit(n int64) func(http.Handler) http.Handler {
	if n < 0 {
		panic(fmt.Sprintf("middleware: BodyLimit must not be negative, got %d", n))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				kiln.WriteError(w, r, kiln.Errorf(http.StatusRequestEntityTooLarge,
					"The request body is larger than the limit of %d bytes.", n).WithCode("body_too_large"))
				return
			}
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			r2 := new(http.Request)
			*r2 = *r
			r2.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r2)
		})
	}
}
