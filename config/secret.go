package config

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// MinSecretKeyLen is the shortest SecretKey Load accepts in Prod, in bytes.
const MinSecretKeyLen = 32

const secretAdvice = "production needs a random key of at least 32 bytes — generate one with: openssl rand -hex 32"

// placeholders are values, or parts of values, that people paste from
// examples. A key containing one is not secret, however long it is.
var placeholders = []string{
	"changeme", "change-me", "change_me", "replaceme", "replace-me", "replace_me",
	"insecure", "example", "placeholder", "your-secret", "your_secret", "yoursecret",
	"notsecret", "not-secret", "secretkey", "secret-key", "secret_key", "password",
}

// placeholderExact are values that are weak when they are the whole key.
var placeholderExact = []string{"secret", "dev", "development", "test", "testing", "key", "kiln", "default", "xxx"}

// weakSecret reports why key is unfit for production, or "" if it is fine.
// It never includes the key itself.
func weakSecret(key string) string {
	if key == "" {
		return "is not set"
	}
	low := strings.ToLower(strings.TrimSpace(key))
	for _, p := range placeholderExact {
		if low == p {
			return "is a placeholder value"
		}
	}
	for _, p := range placeholders {
		if strings.Contains(low, p) {
			return "looks like a placeholder (it contains " + strconv.Quote(p) + ")"
		}
	}
	if len(key) < MinSecretKeyLen {
		return fmt.Sprintf("is only %d bytes long", len(key))
	}
	if strings.Count(key, key[:1]) == len(key) {
		return "repeats a single character"
	}
	return ""
}

// check validates a loaded Base and fills the ephemeral secret key.
func check(b *Base, k baseKeys) []error {
	var errs []error
	if msg := checkAddr(b.Addr); msg != "" {
		errs = append(errs, &Error{Var: k.addr, Msg: fmt.Sprintf("%s: %q %s; use host:port or :port, such as \":8080\" or \"127.0.0.1:8080\"", k.addr, b.Addr, msg)})
	}
	if b.ShutdownTimeout < 0 {
		errs = append(errs, &Error{Var: k.shutdown, Msg: fmt.Sprintf("%s: %s is negative; use 0 to stop at once or a positive duration such as \"30s\"", k.shutdown, b.ShutdownTimeout)})
	}
	if b.IsProd() {
		if why := weakSecret(b.SecretKey); why != "" {
			errs = append(errs, &Error{Var: k.secret, Msg: k.secret + " " + why + "; " + secretAdvice})
		}
		if b.Debug {
			errs = append(errs, &Error{Var: k.debug, Msg: k.debug + " is true in prod, which would show stack traces and settings to anyone; set " + k.debug + "=false or remove it"})
		}
	} else if b.SecretKey == "" {
		var buf [MinSecretKeyLen]byte
		rand.Read(buf[:]) // never fails (crypto/rand, Go 1.24+)
		b.SecretKey = hex.EncodeToString(buf[:])
		b.EphemeralSecret = true
	}
	return errs
}

// checkAddr says what is wrong with a listen address, or "" if nothing is.
func checkAddr(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		if ae, ok := err.(*net.AddrError); ok {
			return "is not a listen address (" + ae.Err + ")"
		}
		return "is not a listen address"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "has port " + strconv.Quote(port) + ", which is not a number from 0 to 65535"
	}
	return ""
}
