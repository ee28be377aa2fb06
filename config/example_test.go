package config_test

import (
	"fmt"
	"os"

	"github.com/kiln-web/kiln/config"
)

func ExampleLoad() {
	type Config struct {
		config.Base
		MailFrom string `env:"MAIL_FROM" envDefault:"noreply@example.com"`
		Workers  int    `env:"WORKERS" envDefault:"4"`
	}

	var cfg Config
	err := config.Load(&cfg, &config.Options{
		NoEnvFile: true,
		// Environ stands in for the process environment.
		Environ: map[string]string{
			"KILN_ENV":        "production",
			"KILN_SECRET_KEY": "9f3c1e7a5b2d4f6081a3c5e7092b4d6f8a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b",
			"MAIL_FROM":       "hello@shop.example",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Env, cfg.Debug, cfg.LogLevel, cfg.LogFormat, cfg.Addr)
	fmt.Println(cfg.DatabaseURL, cfg.ShutdownTimeout)
	fmt.Println(cfg.MailFrom, cfg.Workers)
	// Output:
	// prod false INFO json :8080
	// sqlite://kiln.db 30s
	// hello@shop.example 4
}

func ExampleLoad_dev() {
	var cfg config.Base
	err := config.Load(&cfg, &config.Options{NoEnvFile: true, Environ: map[string]string{}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Env, cfg.Debug, cfg.LogLevel, cfg.LogFormat)
	fmt.Println(cfg.EphemeralSecret, len(cfg.SecretKey))
	// Output:
	// dev true DEBUG text
	// true 64
}

func ExampleLoad_production() {
	var cfg config.Base
	err := config.Load(&cfg, &config.Options{
		NoEnvFile: true,
		Environ:   map[string]string{"KILN_ENV": "prod", "KILN_DEBUG": "true"},
	})
	fmt.Println(err)
	// Output:
	// config: KILN_SECRET_KEY is not set; production needs a random key of at least 32 bytes — generate one with: openssl rand -hex 32
	// config: KILN_DEBUG is true in prod, which would show stack traces and settings to anyone; set KILN_DEBUG=false or remove it
}

func ExampleBase_Logger() {
	var cfg config.Base
	_ = config.Load(&cfg, &config.Options{
		NoEnvFile: true,
		Environ: map[string]string{
			"KILN_ENV":        "test",
			"KILN_LOG_FORMAT": "json",
			"KILN_LOG_LEVEL":  "warn",
		},
	})
	log := cfg.Logger(os.Stdout)
	log.Info("hidden: below warn")
	log.Warn("disk almost full", "free", "3%")
	// Output is JSON with a timestamp, so it is not checked here.
}
