package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodSecret = "9f3c1e7a5b2d4f6081a3c5e7092b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b"

type mailConfig struct {
	Host string `env:"HOST" envDefault:"localhost"`
	Port int    `env:"PORT" envDefault:"25"`
}

type appConfig struct {
	Base
	MailFrom string        `env:"MAIL_FROM" envDefault:"noreply@example.com"`
	Workers  int           `env:"APP_WORKERS" envDefault:"4"`
	CacheTTL time.Duration `env:"CACHE_TTL" envDefault:"5m"`
	Tags     []string      `env:"APP_TAGS"`
	SMTP     mailConfig    `envPrefix:"SMTP_"`
	internal string
}

// errorsOf flattens err (possibly from errors.Join) into its *Errors.
func errorsOf(t *testing.T, err error) []*Error {
	t.Helper()
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("error %v (%T) is not a *config.Error", err, err)
			return
		}
		out = append(out, ce)
	}
	walk(err)
	return out
}

func load(t *testing.T, environ map[string]string) (appConfig, error) {
	t.Helper()
	var cfg appConfig
	err := Load(&cfg, &Options{NoEnvFile: true, Environ: environ})
	return cfg, err
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ map[string]string
		check   func(t *testing.T, c appConfig)
	}{
		{"dev by default", nil, func(t *testing.T, c appConfig) {
			want := Base{Env: Dev, Addr: ":8080", Debug: true, LogLevel: slog.LevelDebug, LogFormat: LogText,
				DatabaseURL: "sqlite://kiln.db", ShutdownTimeout: 30 * time.Second, EphemeralSecret: true, SecretKey: c.SecretKey}
			if c.Base != want {
				t.Errorf("Base = %+v, want %+v", c.Base, want)
			}
			if len(c.SecretKey) != 64 {
				t.Errorf("generated SecretKey has %d chars, want 64 hex chars", len(c.SecretKey))
			}
			if c.MailFrom != "noreply@example.com" || c.Workers != 4 || c.CacheTTL != 5*time.Minute {
				t.Errorf("app defaults = %q %d %v", c.MailFrom, c.Workers, c.CacheTTL)
			}
			if c.SMTP != (mailConfig{Host: "localhost", Port: 25}) {
				t.Errorf("SMTP = %+v", c.SMTP)
			}
		}},
		{"test profile", map[string]string{"KILN_ENV": "test"}, func(t *testing.T, c appConfig) {
			if c.Env != Test || c.Debug || c.LogLevel != slog.LevelInfo || c.LogFormat != LogText || !c.EphemeralSecret {
				t.Errorf("Base = %+v", c.Base)
			}
		}},
		{"testing alias", map[string]string{"KILN_ENV": "Testing"}, func(t *testing.T, c appConfig) {
			if c.Env != Test {
				t.Errorf("Env = %q, want test", c.Env)
			}
		}},
		{"prod profile", map[string]string{"KILN_ENV": "production", "KILN_SECRET_KEY": goodSecret}, func(t *testing.T, c appConfig) {
			if c.Env != Prod || c.Debug || c.LogLevel != slog.LevelInfo || c.LogFormat != LogJSON || c.EphemeralSecret || c.SecretKey != goodSecret {
				t.Errorf("Base = %+v", c.Base)
			}
		}},
		{"explicit values beat profile defaults", map[string]string{"KILN_DEBUG": "false", "KILN_LOG_FORMAT": "JSON", "KILN_LOG_LEVEL": "warn"}, func(t *testing.T, c appConfig) {
			if c.Env != Dev || c.Debug || c.LogFormat != LogJSON || c.LogLevel != slog.LevelWarn {
				t.Errorf("Base = %+v", c.Base)
			}
		}},
		{"empty counts as unset", map[string]string{"KILN_DEBUG": "", "KILN_ADDR": "", "KILN_ENV": ""}, func(t *testing.T, c appConfig) {
			if c.Env != Dev || !c.Debug || c.Addr != ":8080" {
				t.Errorf("Base = %+v", c.Base)
			}
		}},
		{"dev keeps a given secret, even a weak one", map[string]string{"KILN_SECRET_KEY": "dev"}, func(t *testing.T, c appConfig) {
			if c.SecretKey != "dev" || c.EphemeralSecret {
				t.Errorf("SecretKey = %q, EphemeralSecret = %v", c.SecretKey, c.EphemeralSecret)
			}
		}},
		{"app fields from the environment", map[string]string{
			"MAIL_FROM": "shop@example.org", "APP_WORKERS": "16", "CACHE_TTL": "90s", "APP_TAGS": "a,b",
			"SMTP_HOST": "mail.internal", "SMTP_PORT": "587", "DATABASE_URL": "postgres://db/shop",
		}, func(t *testing.T, c appConfig) {
			if c.MailFrom != "shop@example.org" || c.Workers != 16 || c.CacheTTL != 90*time.Second ||
				strings.Join(c.Tags, "|") != "a|b" || c.SMTP != (mailConfig{"mail.internal", 587}) || c.DatabaseURL != "postgres://db/shop" {
				t.Errorf("config = %+v", c)
			}
		}},
		{"addresses and durations", map[string]string{"KILN_ADDR": "127.0.0.1:0", "KILN_SHUTDOWN_TIMEOUT": "0s"}, func(t *testing.T, c appConfig) {
			if c.Addr != "127.0.0.1:0" || c.ShutdownTimeout != 0 {
				t.Errorf("Addr = %q, ShutdownTimeout = %v", c.Addr, c.ShutdownTimeout)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			environ := tt.environ
			if environ == nil {
				environ = map[string]string{}
			}
			c, err := load(t, environ)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	prod := func(kv ...string) map[string]string {
		m := map[string]string{"KILN_ENV": "prod"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	type want struct {
		Var      string
		contains []string
	}
	tests := []struct {
		name    string
		environ map[string]string
		want    []want
	}{
		{"prod without secret", prod(), []want{{"KILN_SECRET_KEY", []string{
			"config: KILN_SECRET_KEY is not set; production needs a random key of at least 32 bytes — generate one with: openssl rand -hex 32"}}}},
		{"prod with placeholder secret", prod("KILN_SECRET_KEY", "changeme"), []want{{"KILN_SECRET_KEY", []string{"placeholder", "openssl rand -hex 32"}}}},
		{"prod with exact placeholder secret", prod("KILN_SECRET_KEY", "secret"), []want{{"KILN_SECRET_KEY", []string{"is a placeholder value"}}}},
		{"prod with long placeholder secret", prod("KILN_SECRET_KEY", "please-changeme-before-deploying-0123456789"), []want{{"KILN_SECRET_KEY", []string{`contains "changeme"`}}}},
		{"prod with short secret", prod("KILN_SECRET_KEY", goodSecret[:31]), []want{{"KILN_SECRET_KEY", []string{"only 31 bytes", "at least 32 bytes"}}}},
		{"prod with repeated secret", prod("KILN_SECRET_KEY", strings.Repeat("z", 40)), []want{{"KILN_SECRET_KEY", []string{"repeats a single character"}}}},
		{"prod with debug", prod("KILN_SECRET_KEY", goodSecret, "KILN_DEBUG", "1"), []want{{"KILN_DEBUG", []string{"KILN_DEBUG is true in prod", "KILN_DEBUG=false"}}}},
		{"prod reports every problem", prod("KILN_DEBUG", "true", "KILN_ADDR", "nope"), []want{
			{"KILN_ADDR", []string{`"nope"`}}, {"KILN_SECRET_KEY", []string{"is not set"}}, {"KILN_DEBUG", []string{"true in prod"}}}},
		{"unknown env", map[string]string{"KILN_ENV": "staging"}, []want{{"KILN_ENV", []string{`KILN_ENV: unknown environment "staging"`, "dev, test or prod"}}}},
		{"bad bool", map[string]string{"KILN_DEBUG": "maybe"}, []want{{"KILN_DEBUG", []string{`config: KILN_DEBUG: "maybe" is not a boolean; use true or false`}}}},
		{"addr without port", map[string]string{"KILN_ADDR": "8080"}, []want{{"KILN_ADDR", []string{`KILN_ADDR: "8080" is not a listen address (missing port in address)`, `":8080"`}}}},
		{"addr with bad port", map[string]string{"KILN_ADDR": ":99999"}, []want{{"KILN_ADDR", []string{`port "99999"`}}}},
		{"bad duration", map[string]string{"KILN_SHUTDOWN_TIMEOUT": "5"}, []want{{"KILN_SHUTDOWN_TIMEOUT", []string{`"5" is not a duration`, `"30s"`}}}},
		{"negative duration", map[string]string{"KILN_SHUTDOWN_TIMEOUT": "-1s"}, []want{{"KILN_SHUTDOWN_TIMEOUT", []string{"negative"}}}},
		{"bad log level", map[string]string{"KILN_LOG_LEVEL": "verbose"}, []want{{"KILN_LOG_LEVEL", []string{`"verbose" is not a log level; use debug, info, warn or error`}}}},
		{"bad log format", map[string]string{"KILN_LOG_FORMAT": "xml"}, []want{{"KILN_LOG_FORMAT", []string{`unknown log format "xml"; use text or json`}}}},
		{"bad app int", map[string]string{"APP_WORKERS": "many"}, []want{{"APP_WORKERS", []string{`APP_WORKERS: "many" is not a whole number`}}}},
		{"app int out of range", map[string]string{"APP_WORKERS": "99999999999999999999"}, []want{{"APP_WORKERS", []string{"out of range for int"}}}},
		{"bad nested field names the prefixed variable", map[string]string{"SMTP_PORT": "smtp"}, []want{{"SMTP_PORT", []string{`SMTP_PORT: "smtp" is not a whole number`}}}},
		{"several parse errors", map[string]string{"KILN_DEBUG": "maybe", "APP_WORKERS": "x", "CACHE_TTL": "soon"}, []want{
			{"KILN_DEBUG", nil}, {"APP_WORKERS", nil}, {"CACHE_TTL", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := load(t, tt.environ)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			got := errorsOf(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(got), len(tt.want), err)
			}
			for i, w := range tt.want {
				if got[i].Var != w.Var {
					t.Errorf("error %d: Var = %q, want %q (%v)", i, got[i].Var, w.Var, got[i])
				}
				for _, s := range w.contains {
					if !strings.Contains(got[i].Error(), s) {
						t.Errorf("error %d = %q, want it to contain %q", i, got[i], s)
					}
				}
			}
			if s := tt.environ["KILN_SECRET_KEY"]; len(s) >= 16 && strings.Contains(err.Error(), s) {
				t.Errorf("error %q repeats the secret key", err)
			}
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadEnvFile(t *testing.T) {
	t.Parallel()
	const file = `# app settings
KILN_ENV=test
KILN_ADDR=:9000
MAIL_FROM="file@example.com"
export APP_WORKERS=8
`
	tests := []struct {
		name    string
		environ map[string]string
		want    func(c appConfig) bool
	}{
		{"file values over defaults", map[string]string{},
			func(c appConfig) bool {
				return c.Env == Test && !c.Debug && c.Addr == ":9000" && c.MailFrom == "file@example.com" && c.Workers == 8
			}},
		{"environment beats file", map[string]string{"KILN_ADDR": ":7000", "KILN_ENV": "dev", "APP_WORKERS": "2"},
			func(c appConfig) bool {
				return c.Env == Dev && c.Debug && c.Addr == ":7000" && c.MailFrom == "file@example.com" && c.Workers == 2
			}},
		{"empty environment value falls back to file", map[string]string{"KILN_ADDR": ""},
			func(c appConfig) bool { return c.Addr == ":9000" }},
	}
	path := writeFile(t, file)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c appConfig
			if err := Load(&c, &Options{EnvFile: path, Environ: tt.environ}); err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !tt.want(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}

	t.Run("missing file is fine", func(t *testing.T) {
		t.Parallel()
		var c appConfig
		err := Load(&c, &Options{EnvFile: filepath.Join(t.TempDir(), "nope.env"), Environ: map[string]string{}})
		if err != nil || c.Addr != ":8080" {
			t.Errorf("Load = %v, Addr = %q", err, c.Addr)
		}
	})
	t.Run("NoEnvFile skips it", func(t *testing.T) {
		t.Parallel()
		var c appConfig
		if err := Load(&c, &Options{EnvFile: path, NoEnvFile: true, Environ: map[string]string{}}); err != nil || c.Addr != ":8080" {
			t.Errorf("Load = %v, Addr = %q", err, c.Addr)
		}
	})
	t.Run("malformed file", func(t *testing.T) {
		t.Parallel()
		bad := writeFile(t, "KILN_ADDR=\"unterminated\n")
		var c appConfig
		err := Load(&c, &Options{EnvFile: bad, Environ: map[string]string{}})
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "NAME=value") {
			t.Errorf("Load = %v, want a *Error naming %s", err, bad)
		}
	})
	t.Run("file profile applies prod checks", func(t *testing.T) {
		t.Parallel()
		p := writeFile(t, "KILN_ENV=prod\n")
		var c appConfig
		err := Load(&c, &Options{EnvFile: p, Environ: map[string]string{}})
		var ce *Error
		if !errors.As(err, &ce) || ce.Var != "KILN_SECRET_KEY" {
			t.Errorf("Load = %v, want KILN_SECRET_KEY error", err)
		}
	})
}

// TestLoadProcessEnvironment uses the real environment (Environ nil) and a
// variable no one else sets, and checks that Load does not export .env
// values into the process.
func TestLoadProcessEnvironment(t *testing.T) {
	t.Parallel()
	const name = "KILN_CONFIG_TEST_MARKER_7F3A"
	path := writeFile(t, name+"=from-file\n")
	var c struct {
		Marker string `env:"KILN_CONFIG_TEST_MARKER_7F3A"`
		Path   string `env:"PATH"`
	}
	if err := Load(&c, &Options{EnvFile: path}); err != nil {
		t.Fatal(err)
	}
	if c.Marker != "from-file" {
		t.Errorf("Marker = %q, want from-file", c.Marker)
	}
	if c.Path != os.Getenv("PATH") {
		t.Errorf("Path = %q, want the process PATH", c.Path)
	}
	if v, ok := os.LookupEnv(name); ok {
		t.Errorf("Load set %s=%q in the process environment", name, v)
	}
}

func TestLoadPrefixes(t *testing.T) {
	t.Parallel()
	t.Run("Options.Prefix", func(t *testing.T) {
		t.Parallel()
		var c appConfig
		err := Load(&c, &Options{NoEnvFile: true, Prefix: "SHOP_", Environ: map[string]string{
			"SHOP_KILN_ENV": "test", "SHOP_KILN_ADDR": ":7070", "KILN_ADDR": ":1", "SHOP_MAIL_FROM": "x@y.z",
		}})
		if err != nil || c.Env != Test || c.Addr != ":7070" || c.MailFrom != "x@y.z" || c.Debug {
			t.Errorf("Load = %v, config = %+v", err, c)
		}
		var p appConfig
		err = Load(&p, &Options{NoEnvFile: true, Prefix: "SHOP_", Environ: map[string]string{"SHOP_KILN_ENV": "prod"}})
		if es := errorsOf(t, err); len(es) != 1 || es[0].Var != "SHOP_KILN_SECRET_KEY" {
			t.Errorf("Load = %v, want an error naming SHOP_KILN_SECRET_KEY", err)
		}
	})
	t.Run("envPrefix on the embedded Base", func(t *testing.T) {
		t.Parallel()
		var c struct {
			Base `envPrefix:"WEB_"`
		}
		err := Load(&c, &Options{NoEnvFile: true, Environ: map[string]string{
			"WEB_KILN_ENV": "prod", "WEB_KILN_SECRET_KEY": goodSecret, "WEB_KILN_DEBUG": "maybe",
		}})
		if es := errorsOf(t, err); len(es) != 1 || es[0].Var != "WEB_KILN_DEBUG" {
			t.Errorf("Load = %v, want an error naming WEB_KILN_DEBUG", err)
		}
	})
}

type validated struct {
	Base
	Plan string `env:"PLAN" envDefault:"free"`
}

func (v *validated) Validate() error {
	if v.Plan != "free" && v.Plan != "pro" {
		return errors.New("PLAN must be free or pro")
	}
	return nil
}

func TestLoadValidatorAndArguments(t *testing.T) {
	t.Parallel()
	var v validated
	if err := Load(&v, &Options{NoEnvFile: true, Environ: map[string]string{"PLAN": "pro"}}); err != nil {
		t.Errorf("Load = %v", err)
	}
	if err := Load(&v, &Options{NoEnvFile: true, Environ: map[string]string{"PLAN": "gold"}}); err == nil || err.Error() != "PLAN must be free or pro" {
		t.Errorf("Load = %v, want the Validate error", err)
	}

	var required struct {
		Token string `env:"API_TOKEN,required"`
	}
	err := Load(&required, &Options{NoEnvFile: true, Environ: map[string]string{}})
	if es := errorsOf(t, err); len(es) != 1 || es[0].Var != "API_TOKEN" || !strings.Contains(es[0].Msg, "required but not set") {
		t.Errorf("Load = %v", err)
	}

	for _, dst := range []any{nil, appConfig{}, (*appConfig)(nil), new(int)} {
		err := Load(dst, nil)
		if err == nil || !strings.Contains(err.Error(), "pointer to a struct") {
			t.Errorf("Load(%T) = %v, want a pointer error", dst, err)
		}
	}
}

func TestLoggerAndAppConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		environ  map[string]string
		wantJSON bool
		debugOut bool
	}{
		{map[string]string{}, false, true},
		{map[string]string{"KILN_ENV": "test"}, false, false},
		{map[string]string{"KILN_ENV": "prod", "KILN_SECRET_KEY": goodSecret}, true, false},
	} {
		c, err := load(t, tt.environ)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		log := c.Logger(&buf)
		log.Debug("dbg")
		log.Info("hello", "n", 1)
		out := buf.String()
		if got := strings.Contains(out, "dbg"); got != tt.debugOut {
			t.Errorf("%s: debug logged = %v, want %v; output %q", c.Env, got, tt.debugOut, out)
		}
		last := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
		if tt.wantJSON != json.Valid([]byte(last)) {
			t.Errorf("%s: line %q: JSON = %v, want %v", c.Env, last, !tt.wantJSON, tt.wantJSON)
		}
		if !strings.Contains(out, "hello") {
			t.Errorf("%s: info not logged: %q", c.Env, out)
		}

		ac := c.AppConfig()
		if ac.Debug != c.Debug || ac.Server.Addr != c.Addr || ac.Server.ShutdownTimeout != c.ShutdownTimeout || ac.Logger == nil {
			t.Errorf("%s: AppConfig = %+v", c.Env, ac)
		}
	}
}

func TestParseEnv(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want Env
		ok   bool
	}{
		{"dev", Dev, true}, {"development", Dev, true}, {" DEV ", Dev, true},
		{"test", Test, true}, {"testing", Test, true},
		{"prod", Prod, true}, {"production", Prod, true}, {"PRODUCTION", Prod, true},
		{"staging", "", false}, {"", "", false}, {"prod2", "", false},
	} {
		got, err := ParseEnv(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseEnv(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "use dev, test or prod") {
			t.Errorf("ParseEnv(%q) error %q does not list the valid values", tt.in, err)
		}
	}
	if !Prod.IsProd() || Prod.IsDev() || !Dev.IsDev() || !Test.IsTest() || (Base{Env: Prod}).IsProd() != true {
		t.Error("Is* methods disagree with the profile")
	}
}

func TestWeakSecret(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		key  string
		weak bool
	}{
		{goodSecret, false},
		{goodSecret[:32], false},
		{goodSecret[:31], true},
		{"", true},
		{"CHANGEME", true},
		{"django-insecure-0123456789abcdefghijklmnopqrstuvwxyz", true},
		{strings.Repeat("0", 64), true},
	} {
		if got := weakSecret(tt.key) != ""; got != tt.weak {
			t.Errorf("weakSecret(%q) = %v, want %v", tt.key, got, tt.weak)
		}
	}
}
