package kiln_test

import (
	"net/http"

	"github.com/rs/cors"
)

var corsAllowExample = cors.New(cors.Options{AllowedOrigins: []string{"https://example.com"}}).Handler

var _ func(http.Handler) http.Handler = corsAllowExample
