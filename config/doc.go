// Package config loads an application's typed configuration from
// environment variables, an optional .env file and defaults, with dev, test
// and prod profiles.
//
// An app declares one struct that embeds Base and adds its own fields,
// tagged for github.com/caarlos0/env:
//
//	type Config struct {
//		config.Base
//		MailFrom   string        `env:"MAIL_FROM" envDefault:"noreply@example.com"`
//		CacheTTL   time.Duration `env:"CACHE_TTL" envDefault:"5m"`
//		AdminEmail string        `env:"ADMIN_EMAIL,required"`
//	}
//
//	func main() {
//		var cfg Config
//		if err := config.Load(&cfg, nil); err != nil {
//			log.Fatal(err) // config: KILN_SECRET_KEY is not set; production needs ...
//		}
//		if cfg.EphemeralSecret {
//			log.Print("KILN_SECRET_KEY not set; using a random key, sessions end on restart")
//		}
//		app := kiln.New(cfg.AppConfig())
//		// ...
//	}
//
// Values come from, in rising precedence: defaults, the .env file, the
// process environment. KILN_ENV picks the profile (dev by default) and with
// it the defaults of KILN_DEBUG, KILN_LOG_LEVEL and KILN_LOG_FORMAT:
//
//	         KILN_DEBUG  KILN_LOG_LEVEL  KILN_LOG_FORMAT  missing KILN_SECRET_KEY
//	dev      true        debug           text             random, per process
//	test     false       info            text             random, per process
//	prod     false       info            json             error
//
// In prod, Load also refuses a secret key shorter than 32 bytes or copied
// from an example, and KILN_DEBUG=true. Every error names the variable and
// says what to do.
//
// Load never sets process environment variables: the .env file and the
// environment are merged into a map that is handed to the parser. Tests can
// pass their own map in Options.Environ instead of calling t.Setenv, and so
// run in parallel.
package config
