package middleware

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kiln-web/kiln"
)

// StaticConfig configures Static. FS is required; every other field's zero
// value gives its default.
type StaticConfig struct {
	// FS is the file system to serve, such as an embed.FS (use fs.Sub to
	// pick a directory) or the FS of an os.Root. An os.DirFS follows
	// symbolic links out of its directory; StaticDir does not. Defaults to
	// nil, which makes Static panic.
	FS fs.FS

	// Index is the file served for a directory. "-" disables it, so
	// directories are 404. Defaults to "index.html".
	Index string

	// MaxAge is the Cache-Control max-age for files other than HTML, which
	// are always sent with "no-cache" (cached, but revalidated on each
	// use). A negative MaxAge sends "no-cache" for every file. Defaults to
	// 10 minutes.
	MaxAge time.Duration

	// Immutable marks files other than HTML as never changing, with
	// "public, max-age=31536000, immutable", so browsers do not even
	// revalidate them. Use it only for fingerprinted names (app.3f2a9c.js)
	// whose content changes together with the name. Defaults to false.
	Immutable bool

	// DisablePrecompressed turns off serving precompressed variants.
	// Defaults to false: for a request for name whose client accepts br
	// (or gzip), the file name.br (or name.gz) is served, when it exists,
	// with Content-Encoding set and name's Content-Type.
	DisablePrecompressed bool
}

// Static returns a handler that serves the files of cfg.FS for GET and
// HEAD requests, with Range and conditional requests (If-None-Match,
// If-Modified-Since) handled by http.ServeContent. The request path is
// the file's path in FS, so serve it under a prefix with the prefix
// removed: a Kiln app's Mount does that, and with http.ServeMux use
// http.StripPrefix:
//
//	app.Mount("/static", middleware.Static(cfg))
//	mux.Handle("GET /static/", http.StripPrefix("/static", middleware.Static(cfg)))
//
// Files get an ETag from their modification time and size or, on file
// systems without modification times (embed.FS), from a hash of their
// content, computed once per file and kept for the handler's life since
// such file systems do not change.
//
// Security: Static never lists directories, refuses paths containing a
// ".." segment, a backslash or a NUL byte, and hides dotfiles (names
// starting with ".", except the .well-known directory); all of these are
// answered 404 through kiln.WriteError, as are missing files. Other
// methods are answered 405 with Allow: GET, HEAD.
//
// Static panics if cfg.FS is nil. The handler is safe for concurrent use.
func Static(cfg StaticConfig) http.Handler {
	if cfg.FS == nil {
		panic("middleware: StaticConfig.FS is nil; pass an embed.FS, the FS of an os.Root, or use StaticDir")
	}
	s := &staticHandler{fsys: cfg.FS, index: cfg.Index, precompressed: !cfg.DisablePrecompressed}
	if s.index == "" {
		s.index = "index.html"
	}
	switch {
	case cfg.MaxAge < 0:
		s.cacheControl = "no-cache"
	case cfg.Immutable:
		s.cacheControl = "public, max-age=31536000, immutable"
	default:
		maxAge := cfg.MaxAge
		if maxAge == 0 {
			maxAge = 10 * time.Minute
		}
		s.cacheControl = "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
	}
	return s
}

// StaticDir returns Static for the directory dir, opened as an os.Root so
// that symbolic links cannot lead out of it. It returns an error if dir
// cannot be opened. For other options, use Static with the FS of
// os.OpenRoot(dir).
func StaticDir(dir string) (http.Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("middleware: StaticDir: %w", err)
	}
	return Static(StaticConfig{FS: root.FS()}), nil
}

type staticHandler struct {
	fsys          fs.FS
	index         string
	cacheControl  string
	precompressed bool
	hashes        sync.Map // name -> ETag, for files without a modification time
}

func (s *staticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		kiln.WriteError(w, r, kiln.NewError(http.StatusMethodNotAllowed,
			"Static files can only be fetched with GET or HEAD."))
		return
	}
	name, ok := staticName(r.URL.Path)
	if !ok {
		s.notFound(w, r)
		return
	}
	f, fi, err := s.open(name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if fi.IsDir() {
		f.Close()
		if s.index == "-" {
			s.notFound(w, r)
			return
		}
		if p := r.URL.Path; p != "" && !strings.HasSuffix(p, "/") {
			// Relative, so it also works under http.StripPrefix.
			target := path.Base(p) + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			// Not http.Redirect: it would resolve target against the
			// stripped path, losing the prefix.
			w.Header().Set("Location", target)
			w.WriteHeader(http.StatusMovedPermanently)
			return
		}
		name = path.Join(name, s.index)
		if f, fi, err = s.open(name); err != nil {
			s.notFound(w, r)
			return
		}
	}
	defer f.Close()
	if !fi.Mode().IsRegular() {
		s.notFound(w, r)
		return
	}

	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(name))
	if s.precompressed {
		addVary(h, "Accept-Encoding")
		ae := r.Header.Values("Accept-Encoding")
		for _, enc := range [...]struct{ coding, ext string }{{"br", ".br"}, {"gzip", ".gz"}} {
			if !acceptsEncoding(ae, enc.coding) {
				continue
			}
			vf, vfi, err := s.open(name + enc.ext)
			if err != nil {
				continue
			}
			if !vfi.Mode().IsRegular() {
				vf.Close()
				continue
			}
			if ctype == "" {
				ctype = sniff(f)
			}
			f, fi = vf, vfi // the identity file is closed by the defer above
			defer vf.Close()
			h.Set("Content-Encoding", enc.coding)
			name += enc.ext
			break
		}
	}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	if strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".htm") || s.cacheControl == "no-cache" {
		h.Set("Cache-Control", "no-cache")
	} else {
		h.Set("Cache-Control", s.cacheControl)
	}
	content, err := readSeeker(f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tag, err := s.etag(name, fi, content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h.Set("Etag", tag)
	http.ServeContent(w, r, name, fi.ModTime(), content)
}

// open opens name and stats it. Any error (missing, forbidden, a symbolic
// link out of an os.Root) is answered 404, revealing nothing.
func (s *staticHandler) open(name string) (fs.File, fs.FileInfo, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// etag returns a strong tag from the modification time and size, or from
// the content when the file system has no modification times.
func (s *staticHandler) etag(name string, fi fs.FileInfo, content io.ReadSeeker) (string, error) {
	if mt := fi.ModTime(); !mt.IsZero() {
		return `"` + strconv.FormatInt(mt.UnixNano(), 36) + "-" + strconv.FormatInt(fi.Size(), 36) + `"`, nil
	}
	if tag, ok := s.hashes.Load(name); ok {
		return tag.(string), nil
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, content); err != nil {
		return "", err
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:16]) + `"`
	s.hashes.Store(name, tag)
	return tag, nil
}

func (s *staticHandler) notFound(w http.ResponseWriter, r *http.Request) {
	kiln.WriteError(w, r, kiln.NotFound("The requested file does not exist."))
}

// fail answers an error reading a file that opened: 500, with the cause
// logged by the error handler.
func (s *staticHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	kiln.WriteError(w, r, &kiln.Error{Status: http.StatusInternalServerError, Err: fmt.Errorf("middleware: Static: %w", err)})
}

// staticName turns a URL path into a name in the file system, refusing
// paths with "..", backslashes, NUL bytes or hidden segments.
func staticName(p string) (string, bool) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == ".." || (strings.HasPrefix(seg, ".") && seg != "." && seg != ".well-known") {
			return "", false
		}
	}
	name := strings.TrimPrefix(path.Clean("/"+p), "/")
	if name == "" {
		name = "."
	}
	return name, fs.ValidPath(name)
}

// sniff returns the content type detected from the start of f, or "" if f
// cannot be read.
func sniff(f fs.File) string {
	var buf [512]byte
	n, _ := io.ReadFull(f, buf[:])
	if n == 0 {
		return ""
	}
	return http.DetectContentType(buf[:n])
}

// readSeeker returns f as an io.ReadSeeker, reading it into memory if it
// cannot seek.
func readSeeker(f fs.File) (io.ReadSeeker, error) {
	if rs, ok := f.(io.ReadSeeker); ok {
		return rs, nil
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(b), nil
}
