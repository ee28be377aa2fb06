package kiln

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

// Response helpers.
//
// Every helper in this file writes one complete response and returns an
// error, so a handler can end with it:
//
//	return kiln.JSON(w, http.StatusOK, post)
//
// The status argument follows net/http semantics: it is passed to
// WriteHeader unchanged, and a status that allows no body (1xx, 204, 304)
// makes the body write fail with http.ErrBodyNotAllowed, which the helper
// returns.
//
// Helpers that build the body in memory (JSON, XML) do so completely
// before sending anything, so an encoding failure sends nothing and the
// returned error lets the error handler answer 500.
//
// When the writer is (or unwraps to) Kiln's *ResponseWriter and the
// response was already started (see Committed), the helpers write nothing
// and return an error wrapping ErrCommitted. net/http would append the
// second body after the first one with the first status, which is never
// what the handler meant; the error makes the bug show up in the log.
// Writers Kiln never wrapped cannot report this, so the helpers write to
// them as net/http would.
//
// Every helper that knows the body size sends Content-Length. For a body
// of 1 to 2048 bytes written straight to net/http's own writer, net/http
// writes the header itself (see setContentLength); otherwise the helper
// puts it in the header map. A middleware that changes the body
// (compression) must remove or fix it, as it must for any net/http
// handler.

// ErrCommitted is returned, wrapped, by the response helpers when the
// response was already started: a handler wrote its headers or body and
// then called a helper. Nothing more is written. Test for it with
// errors.Is.
var ErrCommitted = errors.New("kiln: response already started; a handler must write only one response")

// Content-Type values shared by every response that sends them. Setting the
// header map entry directly to one of these saves an allocation per
// response; the capacity of 1 makes Header().Add copy instead of appending
// into the shared array. Nothing in net/http writes into a header value in
// place.
var (
	jsonContentType = []string{"application/json"}[:1:1]
	xmlContentType  = []string{"application/xml; charset=utf-8"}[:1:1]
	textXMLType     = []string{"text/xml; charset=utf-8"}[:1:1]
	textContentType = []string{"text/plain; charset=utf-8"}[:1:1]
	htmlContentType = []string{"text/html; charset=utf-8"}[:1:1]
)

// maxPooledBuffer is the largest buffer capacity returned to bufferPool.
// Larger buffers (one huge response) are dropped so that the pool does not
// pin their memory for the life of the process.
const maxPooledBuffer = 64 << 10

var bufferPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return bufferPool.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bufferPool.Put(b)
}

// committedErr returns an error wrapping ErrCommitted for the helper fn if
// w is a Kiln writer whose response has started, and nil otherwise.
func committedErr(w http.ResponseWriter, fn string) error {
	if Committed(w) {
		return fmt.Errorf("kiln.%s: %w", fn, ErrCommitted)
	}
	return nil
}

// serverLengthMax is the largest body for which setContentLength leaves
// Content-Length to the server: net/http's HTTP/1 server buffers 2048
// bytes before it must choose between Content-Length and chunking (its
// HTTP/2 server 4096).
const serverLengthMax = 2048

// setContentLength sets h's Content-Length to n, the size of the whole
// body about to be written to w in one Write, unless w is Kiln's writer
// directly around a net/http server's writer (no middleware writer in
// between) and n is 1 to serverLengthMax. (An empty body keeps the header:
// net/http would leave a HEAD answer without one.) Then the server sends
// exactly the same Content-Length itself when the handler returns, more
// cheaply: it writes the number straight into the response, with no
// header-map entry to allocate, copy and sort. A handler that flushes
// after the helper gets a chunked response instead, as with any net/http
// handler.
func setContentLength(w http.ResponseWriter, h http.Header, n int) {
	if rw, ok := w.(*ResponseWriter); ok && rw.autoLength && n > 0 && n <= serverLengthMax {
		return
	}
	h["Content-Length"] = []string{strconv.Itoa(n)}
}

// writeBody sends status, the Content-Type and Content-Length headers, and
// body in one Write.
func writeBody(w http.ResponseWriter, fn string, status int, contentType []string, body []byte) error {
	h := w.Header()
	h["Content-Type"] = contentType
	setContentLength(w, h, len(body))
	w.WriteHeader(status)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("kiln.%s: writing response: %w", fn, err)
	}
	return nil
}

// JSON writes v as JSON with the given status, Content-Type
// application/json (RFC 8259 defines JSON as UTF-8 and no charset
// parameter) and Content-Length.
//
// v is encoded with the JSON codec of the app serving the request
// (Config.JSON, StdJSON by default; StdJSON outside an app) into a pooled
// buffer, then sent with one Write. If encoding fails nothing is written
// and the error is returned wrapped, so the error handler answers 500.
func JSON(w http.ResponseWriter, status int, v any) error {
	rw := findWriter(w)
	var codec JSONCodec = StdJSON{}
	if rw != nil {
		if rw.written {
			return fmt.Errorf("kiln.JSON: %w", ErrCommitted)
		}
		if rw.app != nil {
			codec = rw.app.JSONCodec()
		}
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := codec.Encode(buf, v); err != nil {
		return fmt.Errorf("kiln.JSON: encoding %s: %w", typeName(v), err)
	}
	return writeBody(w, "JSON", status, jsonContentType, buf.Bytes())
}

// XML writes v as XML, preceded by the standard <?xml ...?> header, with
// the given status, Content-Type application/xml; charset=utf-8 and
// Content-Length. It uses encoding/xml, which cannot encode maps; an
// encoding failure writes nothing and is returned wrapped.
func XML(w http.ResponseWriter, status int, v any) error {
	return writeXML(w, "XML", status, xmlContentType, v)
}

func writeXML(w http.ResponseWriter, fn string, status int, contentType []string, v any) error {
	if err := committedErr(w, fn); err != nil {
		return err
	}
	buf := getBuffer()
	defer putBuffer(buf)
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(buf).Encode(v); err != nil {
		return fmt.Errorf("kiln.%s: encoding %s as XML: %w", fn, typeName(v), err)
	}
	return writeBody(w, fn, status, contentType, buf.Bytes())
}

// Text writes s with the given status, Content-Type text/plain;
// charset=utf-8 and Content-Length.
func Text(w http.ResponseWriter, status int, s string) error {
	return writeString(w, "Text", status, textContentType, s)
}

// HTML writes html with the given status, Content-Type text/html;
// charset=utf-8 and Content-Length.
//
// Security: HTML sends its argument as it is. It does not escape anything,
// so it must only be given trusted markup; never build it by
// concatenating request data. Render user content through html/template
// (Kiln's view package), which escapes by context.
func HTML(w http.ResponseWriter, status int, html string) error {
	return writeString(w, "HTML", status, htmlContentType, html)
}

func writeString(w http.ResponseWriter, fn string, status int, contentType []string, s string) error {
	if err := committedErr(w, fn); err != nil {
		return err
	}
	h := w.Header()
	h["Content-Type"] = contentType
	setContentLength(w, h, len(s))
	w.WriteHeader(status)
	if _, err := io.WriteString(w, s); err != nil {
		return fmt.Errorf("kiln.%s: writing response: %w", fn, err)
	}
	return nil
}

// Blob writes b with the given status, Content-Type and Content-Length.
// An empty contentType is replaced by the type http.DetectContentType
// sniffs from b.
func Blob(w http.ResponseWriter, status int, contentType string, b []byte) error {
	if err := committedErr(w, "Blob"); err != nil {
		return err
	}
	if contentType == "" {
		contentType = http.DetectContentType(b)
	}
	return writeBody(w, "Blob", status, contentTypeValue(contentType), b)
}

// contentTypeValue returns the header value for contentType: one of the
// shared slices for the types Kiln's helpers send, so that Blob of a
// rendered page or a JSON document allocates no header value.
func contentTypeValue(contentType string) []string {
	for _, v := range [...][]string{htmlContentType, jsonContentType, textContentType, xmlContentType} {
		if v[0] == contentType {
			return v
		}
	}
	return []string{contentType}
}

// Render sends what render writes as the body, with the given status,
// contentType (an empty one is sniffed from the body, as Blob does) and
// Content-Length. render writes into a pooled buffer, and
// nothing is sent until it returns: if it fails, the response is left
// untouched and its error is returned unchanged, so that the error handler
// can still answer a clean 500 instead of half a page under a 200.
//
// It is the primitive behind Kiln's view package; use it for any other
// renderer that writes to an io.Writer, such as text/template or a CSV
// encoder:
//
//	return kiln.Render(w, http.StatusOK, "text/csv", func(b io.Writer) error {
//		return csv.NewWriter(b).WriteAll(rows)
//	})
//
// Bodies that need not fit in memory belong in Stream.
func Render(w http.ResponseWriter, status int, contentType string, render func(io.Writer) error) error {
	if err := committedErr(w, "Render"); err != nil {
		return err
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := render(buf); err != nil {
		return err
	}
	if contentType == "" {
		contentType = http.DetectContentType(buf.Bytes())
	}
	return writeBody(w, "Render", status, contentTypeValue(contentType), buf.Bytes())
}

// streamBufferSize is the read size of Stream: large enough for bulk data,
// while each read still goes to the client as soon as it arrives.
const streamBufferSize = 32 << 10

var streamPool = sync.Pool{New: func() any {
	b := make([]byte, streamBufferSize)
	return &b
}}

// Stream sends the status and headers at once, then copies r to the
// client, flushing after every chunk r returns, so a client sees each
// piece of a long or slow stream (logs, progress, server-sent events,
// NDJSON) as soon as it is read. An empty contentType leaves the header
// as the handler set it (net/http then sniffs it from the first chunk).
// No Content-Length is set.
//
// If the writer cannot flush (http.ResponseController reports
// http.ErrNotSupported), Stream still copies, without flushing. Stream
// returns when r returns io.EOF (nil), when reading fails or when the
// client is gone (the error, wrapped; the response is already started, so
// the error handler can only log it). It cannot interrupt a Read that
// blocks: give it a reader that ends when the request's context is done.
//
// For files, use File or FileFS, which support Range requests and caching.
// A long stream may outlive ServerConfig.WriteTimeout; extend it with
// http.ResponseController.SetWriteDeadline before calling Stream.
func Stream(w http.ResponseWriter, status int, contentType string, r io.Reader) error {
	if err := committedErr(w, "Stream"); err != nil {
		return err
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	rc := http.NewResponseController(w)
	flush := true
	doFlush := func() error {
		if !flush {
			return nil
		}
		err := rc.Flush()
		if errors.Is(err, http.ErrNotSupported) {
			flush = false
			return nil
		}
		return err
	}
	if err := doFlush(); err != nil {
		return fmt.Errorf("kiln.Stream: flushing headers: %w", err)
	}
	bp := streamPool.Get().(*[]byte)
	defer streamPool.Put(bp)
	buf := *bp
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return fmt.Errorf("kiln.Stream: writing response: %w", err)
			}
			if err := doFlush(); err != nil {
				return fmt.Errorf("kiln.Stream: flushing: %w", err)
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("kiln.Stream: reading: %w", rerr)
		}
	}
}

// NoContent answers 204 No Content.
func NoContent(w http.ResponseWriter) error {
	if err := committedErr(w, "NoContent"); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Redirect redirects the request to url with status, which must be one of
// 301, 302, 303, 307 or 308; any other status is a programming error and
// is returned as an error (the error handler answers 500). A url
// containing CR or LF is refused, as header injection. The redirect
// itself is http.Redirect: a relative url is resolved against the request
// path, and GET and HEAD requests get a short HTML body.
//
// Use 303 See Other after a form POST, 307 or 308 to keep the method and
// body. Security: never redirect to a URL taken from the request (a
// "next" parameter) without checking that it points at your own site;
// that is an open redirect.
func Redirect(w http.ResponseWriter, r *http.Request, url string, status int) error {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return fmt.Errorf("kiln.Redirect: status %d is not a redirect; use 301, 302, 303, 307 or 308", status)
	}
	if strings.ContainsAny(url, "\r\n") {
		return fmt.Errorf("kiln.Redirect: URL %q contains CR or LF; refusing to put it in the Location header", url)
	}
	if err := committedErr(w, "Redirect"); err != nil {
		return err
	}
	http.Redirect(w, r, url, status)
	return nil
}

// File serves the file at path with http.ServeContent, which answers Range
// requests (206 with Content-Range), conditional requests (If-None-Match,
// If-Modified-Since and the others, with 304 or 412) and HEAD, and sets
// Content-Type from the file name's extension (or by sniffing the
// content), Last-Modified from the file's modification time, and an ETag
// made of the modification time and size unless the handler set one.
//
// A missing file, a directory or anything but a regular file is a 404
// *Error (NotFound): File never lists directories. Other failures are
// returned wrapped (500).
//
// Security: path is opened as given. Never build it from request input;
// serve user-chosen names with FileFS and an os.Root's FS, which rejects
// ".." and symbolic links that leave the root.
func File(w http.ResponseWriter, r *http.Request, path string) error {
	return serveFile(w, r, "File", path, "", "")
}

// FileFS is File for a file in fsys, such as an embed.FS or the FS of an
// os.Root. One leading slash is removed from name, so a request path can
// be passed directly; any other name that fs.ValidPath rejects (an
// absolute path, or one with "..", "." or empty elements) is a 404 *Error,
// as are missing files and directories: FileFS never lists directories.
//
// Range and conditional requests need the file to implement io.Seeker (the
// files of os.DirFS, os.Root.FS and embed.FS do); other files are sent
// whole. Files with a zero modification time (embed.FS) get neither
// Last-Modified nor an automatic ETag; set an ETag header (a build id or a
// content hash) before calling FileFS to make them cacheable.
func FileFS(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) error {
	if err := committedErr(w, "FileFS"); err != nil {
		return err
	}
	name = strings.TrimPrefix(name, "/")
	if !fs.ValidPath(name) {
		return NotFound("The requested file does not exist.").
			WithCause(fmt.Errorf("kiln.FileFS: invalid file name %q", name))
	}
	f, err := fsys.Open(name)
	if err != nil {
		return openError("FileFS", err)
	}
	defer f.Close()
	return sendFile(w, r, "FileFS", f, path.Base(name), "")
}

// Attachment is File with a Content-Disposition header that makes
// browsers download the file under filename (the base name of path when
// filename is empty) instead of showing it. See ContentDisposition for how
// the name is encoded.
func Attachment(w http.ResponseWriter, r *http.Request, path, filename string) error {
	return serveFile(w, r, "Attachment", path, "attachment", filename)
}

// Inline is File with a Content-Disposition: inline header naming the file
// filename (the base name of path when filename is empty): browsers show
// it and use the name when the user saves it.
func Inline(w http.ResponseWriter, r *http.Request, path, filename string) error {
	return serveFile(w, r, "Inline", path, "inline", filename)
}

func serveFile(w http.ResponseWriter, r *http.Request, fn, name, disposition, filename string) error {
	if err := committedErr(w, fn); err != nil {
		return err
	}
	f, err := os.Open(name)
	if err != nil {
		return openError(fn, err)
	}
	defer f.Close()
	if disposition != "" && filename == "" {
		filename = filepath.Base(name)
	}
	var cd string
	if disposition != "" {
		cd = ContentDisposition(disposition, filename)
	}
	return sendFile(w, r, fn, f, filepath.Base(name), cd)
}

// openError maps a failure to open a file to the error a handler returns.
func openError(fn string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || errors.Is(err, syscall.ENOTDIR) {
		return NotFound("The requested file does not exist.").WithCause(fmt.Errorf("kiln.%s: %w", fn, err))
	}
	return fmt.Errorf("kiln.%s: %w", fn, err)
}

// sendFile serves the open file f named name. The Content-Disposition
// value cd, if any, is set only once the file is known to be servable, so
// an error answer is never offered as a download.
func sendFile(w http.ResponseWriter, r *http.Request, fn string, f fs.File, name, cd string) error {
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("kiln.%s: %w", fn, err)
	}
	if !st.Mode().IsRegular() {
		return NotFound("The requested file does not exist.").
			WithCause(fmt.Errorf("kiln.%s: %s is not a regular file (mode %s)", fn, name, st.Mode()))
	}
	h := w.Header()
	if cd != "" {
		h.Set("Content-Disposition", cd)
	}
	mod := st.ModTime()
	if !isZeroTime(mod) {
		if _, ok := h["Etag"]; !ok {
			h.Set("Etag", `"`+strconv.FormatInt(mod.UnixNano(), 36)+"-"+strconv.FormatInt(st.Size(), 36)+`"`)
		}
	}
	if rs, ok := f.(io.ReadSeeker); ok {
		http.ServeContent(w, r, name, mod, rs)
		return nil
	}
	// No Seek: no ranges, no sniffing; send the file whole.
	if _, ok := h["Content-Type"]; !ok {
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
	}
	if !isZeroTime(mod) {
		h.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	}
	h.Set("Content-Length", strconv.FormatInt(st.Size(), 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(w, f); err != nil {
		return fmt.Errorf("kiln.%s: writing response: %w", fn, err)
	}
	return nil
}

func isZeroTime(t time.Time) bool { return t.IsZero() || t.Equal(time.Unix(0, 0)) }

// ContentDisposition returns a Content-Disposition header value of the
// given kind ("attachment" or "inline") for filename, encoded per RFC 6266:
// a quoted ASCII filename parameter for every client, plus an RFC 5987
// filename* parameter with the exact UTF-8 name when the name is not plain
// ASCII:
//
//	attachment; filename="report.pdf"
//	attachment; filename="____.txt"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.txt
//
// Security: control characters (CR, LF and the rest), double quotes and
// backslashes are removed from both parameters and invalid UTF-8 is
// replaced, so a name taken from user data cannot inject headers or break
// out of the quoted string. Path separators are kept; browsers strip them.
// Use it with Blob or Stream for generated downloads:
//
//	w.Header().Set("Content-Disposition", kiln.ContentDisposition("attachment", "export.csv"))
func ContentDisposition(kind, filename string) string {
	filename = strings.ToValidUTF8(filename, "\uFFFD")
	var clean strings.Builder
	clean.Grow(len(filename))
	ascii := true
	for _, c := range filename {
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' || (c >= 0x80 && c < 0xa0) {
			continue
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
		clean.WriteRune(c)
	}
	name := clean.String()
	var b strings.Builder
	b.Grow(len(kind) + 2*len(name) + 32)
	b.WriteString(kind)
	b.WriteString(`; filename="`)
	for _, c := range name {
		if c >= utf8.RuneSelf {
			c = '_'
		}
		b.WriteRune(c)
	}
	b.WriteByte('"')
	if !ascii {
		b.WriteString("; filename*=UTF-8''")
		const hex = "0123456789ABCDEF"
		for i := 0; i < len(name); i++ {
			c := name[i]
			if isAttrChar(c) {
				b.WriteByte(c)
				continue
			}
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// isAttrChar reports whether c is an attr-char of RFC 5987, which may
// appear unencoded in an ext-value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
