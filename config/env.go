package config

import (
	"fmt"
	"strings"
)

// Env is an application profile: Dev, Test or Prod. It selects the defaults
// that depend on where the app runs (debug pages, log level and format) and
// how strict Load is about secrets.
//
// Env implements encoding.TextUnmarshaler, so it can be used as a field
// type in any struct that Load fills.
type Env string

// The profiles. Their string forms are what KILN_ENV accepts; ParseEnv also
// accepts the long aliases "development", "testing" and "production".
const (
	// Dev is local development: debug pages on, debug logs as text, and an
	// ephemeral secret key when none is set.
	Dev Env = "dev"
	// Test is automated tests: debug pages off, info logs as text, and an
	// ephemeral secret key when none is set.
	Test Env = "test"
	// Prod is production: debug pages off, info logs as JSON, and Load
	// refuses a missing or weak secret key and debug pages.
	Prod Env = "prod"
)

// ParseEnv returns the profile named by s. It accepts "dev", "test" and
// "prod", the aliases "development", "testing" and "production", any letter
// case, and surrounding spaces. Any other value is an error listing the
// valid ones.
func ParseEnv(s string) (Env, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "dev", "development":
		return Dev, nil
	case "test", "testing":
		return Test, nil
	case "prod", "production":
		return Prod, nil
	}
	return "", fmt.Errorf("unknown environment %q; use dev, test or prod (or development, testing, production)", s)
}

// String returns the profile's short name ("dev", "test" or "prod").
func (e Env) String() string { return string(e) }

// UnmarshalText parses text with ParseEnv.
func (e *Env) UnmarshalText(text []byte) error {
	v, err := ParseEnv(string(text))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// IsDev reports whether e is Dev.
func (e Env) IsDev() bool { return e == Dev }

// IsTest reports whether e is Test.
func (e Env) IsTest() bool { return e == Test }

// IsProd reports whether e is Prod.
func (e Env) IsProd() bool { return e == Prod }
