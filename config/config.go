package config

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/kiln-web/kiln"
)

// Base is the configuration every Kiln app needs. Embed it in the app's own
// config struct and fill both with Load:
//
//	type Config struct {
//		config.Base
//		MailFrom string `env:"MAIL_FROM" envDefault:"noreply@example.com"`
//	}
//
// A zero Base is not a usable configuration; its fields get their
// defaults, some of which depend on Env, only through Load.
//
// Security: Base holds SecretKey in plain text; do not log or print the
// whole struct.
type Base struct {
	// Env is the profile the app runs in, from KILN_ENV. Defaults to Dev,
	// so that "go run ." works with no setup; deployments must set
	// KILN_ENV=prod.
	Env Env `env:"KILN_ENV" envDefault:"dev"`

	// SecretKey signs and encrypts sessions, cookies and tokens, from
	// KILN_SECRET_KEY. In Prod Load requires at least 32 bytes that are not
	// a placeholder. In Dev and Test, when it is not set, Load generates a
	// random key for this process only and sets EphemeralSecret.
	SecretKey string `env:"KILN_SECRET_KEY"`

	// EphemeralSecret reports that Load generated SecretKey because none
	// was set (Dev and Test only). Sessions and signed tokens then do not
	// survive a restart; apps may want to log a note about it. It is never
	// read from the environment.
	EphemeralSecret bool `env:"-"`

	// Addr is the TCP address the server listens on, from KILN_ADDR, in
	// host:port or :port form. Defaults to ":8080".
	Addr string `env:"KILN_ADDR" envDefault:":8080"`

	// Debug turns on detailed error pages with stack traces, from
	// KILN_DEBUG. Defaults to true in Dev and false in Test and Prod; Load
	// refuses true in Prod.
	Debug bool `env:"KILN_DEBUG"`

	// LogLevel is the minimum level logged, from KILN_LOG_LEVEL: debug,
	// info, warn or error (an offset such as "info+2" also works). Defaults
	// to debug in Dev and info in Test and Prod.
	LogLevel slog.Level `env:"KILN_LOG_LEVEL"`

	// LogFormat is the log output format, from KILN_LOG_FORMAT: text or
	// json. Defaults to text in Dev and Test and json in Prod.
	LogFormat LogFormat `env:"KILN_LOG_FORMAT"`

	// DatabaseURL locates the database, from DATABASE_URL. Defaults to
	// "sqlite://kiln.db", the embedded SQLite database in the working
	// directory.
	DatabaseURL string `env:"DATABASE_URL" envDefault:"sqlite://kiln.db"`

	// ShutdownTimeout is how long the server waits for in-flight requests
	// after a shutdown signal, from KILN_SHUTDOWN_TIMEOUT as a Go duration
	// ("30s", "1m"). Defaults to 30s; it must not be negative.
	ShutdownTimeout time.Duration `env:"KILN_SHUTDOWN_TIMEOUT" envDefault:"30s"`
}

// LogFormat is the output format of the logger built by Base.Logger.
type LogFormat string

// The log formats KILN_LOG_FORMAT accepts.
const (
	// LogText is slog's key=value text format, for people.
	LogText LogFormat = "text"
	// LogJSON is one JSON object per line, for log collectors.
	LogJSON LogFormat = "json"
)

// UnmarshalText accepts "text" or "json" in any letter case.
func (f *LogFormat) UnmarshalText(text []byte) error {
	switch v := LogFormat(strings.ToLower(strings.TrimSpace(string(text)))); v {
	case LogText, LogJSON:
		*f = v
		return nil
	}
	return fmt.Errorf("unknown log format %q; use text or json", text)
}

// IsDev reports whether the app runs in the Dev profile.
func (b Base) IsDev() bool { return b.Env.IsDev() }

// IsTest reports whether the app runs in the Test profile.
func (b Base) IsTest() bool { return b.Env.IsTest() }

// IsProd reports whether the app runs in the Prod profile.
func (b Base) IsProd() bool { return b.Env.IsProd() }

// Logger returns a logger that writes to w at LogLevel, as JSON when
// LogFormat is LogJSON and as text otherwise.
func (b Base) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: b.LogLevel}
	if b.LogFormat == LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// AppConfig returns a kiln.Config carrying Debug, Addr, ShutdownTimeout
// and a logger from Logger(os.Stderr); other fields keep kiln's defaults.
// Pass it to kiln.New, after changing what the app needs:
//
//	app := kiln.New(cfg.AppConfig())
func (b Base) AppConfig() kiln.Config {
	return kiln.Config{
		Debug:  b.Debug,
		Logger: b.Logger(os.Stderr),
		Server: kiln.ServerConfig{
			Addr:            b.Addr,
			ShutdownTimeout: b.ShutdownTimeout,
		},
	}
}
