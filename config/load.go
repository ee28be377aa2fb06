package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/caarlos0/env/v11"
	"github.com/joho/godotenv"
)

// Options tunes Load. A nil *Options, like the zero Options, reads ".env"
// and the process environment with no prefix.
type Options struct {
	// EnvFile is the dotenv file to read. A missing file is not an error.
	// Defaults to ".env" in the working directory.
	EnvFile string

	// NoEnvFile skips the dotenv file. Defaults to false.
	NoEnvFile bool

	// Environ, when non-nil, replaces the process environment: Load reads
	// variables from it instead of os.Environ. Tests use it to load
	// configuration in parallel without t.Setenv. Load never modifies it.
	// Defaults to nil, the process environment.
	Environ map[string]string

	// Prefix is put before every variable name, so with Prefix "SHOP_"
	// Load reads SHOP_KILN_ENV and SHOP_DATABASE_URL. Defaults to "".
	Prefix string
}

// Validator is implemented by config structs that check their own fields.
// Load calls Validate last, after all of its own checks passed, and returns
// its error unchanged.
type Validator interface {
	Validate() error
}

// Load fills dst, a pointer to a struct whose fields carry `env:"NAME"`
// tags (usually one that embeds Base), from, in rising precedence:
//
//  1. defaults: `envDefault:"..."` tags and, for Base, the Env profile's
//     defaults for Debug, LogLevel and LogFormat;
//  2. the dotenv file (Options.EnvFile), if it exists;
//  3. the process environment (or Options.Environ).
//
// An empty variable counts as unset, in the environment as in the file. Fields with no variable set and no
// default keep the value they had in dst. Load never modifies the process
// environment (except for fields tagged with env's ",unset" option).
//
// When dst embeds Base, Load then checks it: Addr must be host:port and
// ShutdownTimeout not negative; in Prod SecretKey must be at least 32 bytes
// and not a placeholder, and Debug must be false; in Dev and Test a missing
// SecretKey is replaced by a random one and EphemeralSecret is set. Finally,
// if dst implements Validator, Load calls Validate.
//
// Every problem found is reported: the error is an *Error, or several
// joined with errors.Join, each naming the variable and saying how to fix
// it. Use errors.As to inspect them.
func Load(dst any, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return &Error{Msg: fmt.Sprintf("Load needs a non-nil pointer to a struct, got %T; pass &cfg", dst)}
	}

	vars, err := environ(opts)
	if err != nil {
		return err
	}

	var w walker
	w.walk(rv.Elem(), opts.Prefix)

	var base *Base
	var keys baseKeys
	if w.base.IsValid() {
		base = w.base.Addr().Interface().(*Base)
		keys = newBaseKeys(w.basePrefix)
		profile := Dev
		if raw := vars[keys.env]; raw != "" {
			if profile, err = ParseEnv(raw); err != nil {
				return &Error{Var: keys.env, Msg: keys.env + ": " + err.Error(), Err: err}
			}
		}
		profileDefaults(vars, keys, profile)
	}

	if err := env.ParseWithOptions(dst, env.Options{Environment: vars, Prefix: opts.Prefix}); err != nil {
		return w.explain(err, vars)
	}

	if base != nil {
		if errs := check(base, keys); len(errs) > 0 {
			return join(errs)
		}
	}
	if v, ok := dst.(Validator); ok {
		return v.Validate()
	}
	return nil
}

// environ merges the dotenv file under the real environment into a new map.
func environ(opts *Options) (map[string]string, error) {
	vars := make(map[string]string)
	if !opts.NoEnvFile {
		path := opts.EnvFile
		if path == "" {
			path = ".env"
		}
		f, err := os.Open(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, &Error{Msg: fmt.Sprintf("cannot read %s: %v", path, err), Err: err}
		default:
			file, err := godotenv.Parse(f)
			f.Close()
			if err != nil {
				return nil, &Error{Msg: fmt.Sprintf("%s: %v; each line must be NAME=value, # starts a comment", path, err), Err: err}
			}
			for k, v := range file {
				vars[k] = v
			}
		}
	}
	// An empty variable counts as unset, so it does not hide the file's value.
	set := func(k, v string) {
		if v != "" || vars[k] == "" {
			vars[k] = v
		}
	}
	if opts.Environ != nil {
		for k, v := range opts.Environ {
			set(k, v)
		}
	} else {
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				set(k, v)
			}
		}
	}
	return vars, nil
}

// baseKeys holds the full variable names of Base's fields, which depend on
// Options.Prefix and any envPrefix tag on the field that embeds Base.
type baseKeys struct {
	env, secret, addr, debug, logLevel, logFormat, shutdown string
}

func newBaseKeys(prefix string) baseKeys {
	return baseKeys{
		env:       prefix + "KILN_ENV",
		secret:    prefix + "KILN_SECRET_KEY",
		addr:      prefix + "KILN_ADDR",
		debug:     prefix + "KILN_DEBUG",
		logLevel:  prefix + "KILN_LOG_LEVEL",
		logFormat: prefix + "KILN_LOG_FORMAT",
		shutdown:  prefix + "KILN_SHUTDOWN_TIMEOUT",
	}
}

// profileDefaults fills the variables whose default depends on the profile
// into vars, where nothing set them. Doing it on the variable map, before
// parsing, keeps one precedence order for every field and lets an explicit
// KILN_DEBUG=false win in Dev.
func profileDefaults(vars map[string]string, k baseKeys, e Env) {
	def := func(key, v string) {
		if vars[key] == "" {
			vars[key] = v
		}
	}
	switch e {
	case Dev:
		def(k.debug, "true")
		def(k.logLevel, "debug")
		def(k.logFormat, "text")
	case Test:
		def(k.debug, "false")
		def(k.logLevel, "info")
		def(k.logFormat, "text")
	case Prod:
		def(k.debug, "false")
		def(k.logLevel, "info")
		def(k.logFormat, "json")
	}
}

// field is one tagged field as env will visit it, with its full variable
// name, so that env's errors (which name the Go field) can name the
// variable instead.
type field struct {
	name string
	typ  reflect.Type
	key  string
}

// walker visits a struct in the same order and with the same prefix rules
// as env.ParseWithOptions.
type walker struct {
	fields     []field
	base       reflect.Value
	basePrefix string
}

var baseType = reflect.TypeFor[Base]()

func (w *walker) walk(v reflect.Value, prefix string) {
	if v.Type() == baseType && !w.base.IsValid() {
		w.base, w.basePrefix = v, prefix
	}
	t := v.Type()
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		if !fv.CanSet() {
			continue
		}
		inner := prefix + sf.Tag.Get("envPrefix")
		if fv.Kind() == reflect.Pointer && !fv.IsNil() && fv.Elem().Kind() == reflect.Struct {
			w.walk(fv.Elem(), inner)
			continue
		}
		if fv.Kind() == reflect.Struct && sf.Type.Name() == "" {
			w.walk(fv, inner)
			continue
		}
		tag := strings.Split(sf.Tag.Get("env"), ",")
		name := tag[0]
		if slices.Contains(tag, "-") {
			continue
		}
		if name != "" {
			w.fields = append(w.fields, field{name: sf.Name, typ: sf.Type, key: prefix + name})
		}
		if fv.Kind() == reflect.Struct {
			w.walk(fv, inner)
		}
	}
}

// keyFor returns the variable of the first field named name of type typ at
// or after index from, and the index after it.
func (w *walker) keyFor(name string, typ reflect.Type, from int) (string, int) {
	for i := from; i < len(w.fields); i++ {
		if f := w.fields[i]; f.name == name && f.typ == typ {
			return f.key, i + 1
		}
	}
	for i, f := range w.fields[:min(from, len(w.fields))] {
		if f.name == name && f.typ == typ {
			return f.key, i + 1
		}
	}
	return "", from
}

func join(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}
