package view

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kiln-web/kiln"
)

// htmlType is the Content-Type of every rendered page.
const htmlType = "text/html; charset=utf-8"

// Renderer renders the pages of one template tree (see the package
// documentation for its layout). Create it with New; it is safe for
// concurrent use.
type Renderer struct {
	fsys   fs.FS
	cfg    Config // Extension filled in
	layout string // the default layout, "" for none
	src    *tree  // the sources read by New; nil in Reload mode

	// sets holds one parsed template per (layout, page) pair rendered so
	// far; it is replaced, never changed, so reads need no lock. mu
	// serialises the builds that add to it.
	sets atomic.Pointer[map[setKey]*template.Template]
	mu   sync.Mutex
}

type setKey struct{ layout, page string }

// tree is the source text of a template tree, by name.
type tree struct {
	layouts  map[string]string
	partials map[string]string
	pages    map[string]string
	order    []string // partial names, sorted: the order they are parsed in
}

// New reads the templates in fsys and parses every page in the default
// layout, and every other layout, so that a syntax error, a missing
// layout or a call to an undefined function is reported now, naming its
// file, rather than on a request. (html/template reports some mistakes
// only when a template first runs, such as {{template "x"}} naming a
// template nothing defines; they come back from the first Render.) Pass the directory that holds the templates:
//
//	//go:embed templates
//	var templateFS embed.FS
//
//	sub, _ := fs.Sub(templateFS, "templates")
//	views, err := view.New(sub, nil)
//
// A nil cfg means the zero Config.
func New(fsys fs.FS, cfg *Config) (*Renderer, error) {
	v := &Renderer{fsys: fsys}
	if cfg != nil {
		v.cfg = *cfg
	}
	if v.cfg.Extension == "" {
		v.cfg.Extension = ".html"
	}
	src, err := readTree(fsys, v.cfg.Extension)
	if err != nil {
		return nil, err
	}
	switch v.cfg.Layout {
	case "":
		if _, ok := src.layouts["layouts/app"]; ok {
			v.layout = "layouts/app"
		}
	case noLayout:
	default:
		if _, ok := src.layouts[v.cfg.Layout]; !ok {
			return nil, v.noLayoutErr(src, v.cfg.Layout)
		}
		v.layout = v.cfg.Layout
	}
	// In name order, so that the error for a tree with several broken
	// files is the same on every start.
	pages := slices.Sorted(maps.Keys(src.pages))
	sets := make(map[setKey]*template.Template, len(pages))
	for _, page := range pages {
		t, err := v.build(src, v.layout, page)
		if err != nil {
			return nil, err
		}
		sets[setKey{v.layout, page}] = t
	}
	// Parse the other layouts too, with any page, so that their syntax
	// errors also stop the app now rather than on the first RenderLayout.
	for _, layout := range slices.Sorted(maps.Keys(src.layouts)) {
		if layout == v.layout {
			continue
		}
		if _, err := v.build(src, layout, pages[0]); err != nil {
			return nil, err
		}
	}
	if !v.cfg.Reload {
		v.src = src
		v.sets.Store(&sets)
	}
	return v, nil
}

// Pages returns the names of the pages in the tree, sorted. In Reload mode
// it reads the tree again, and returns nil if that fails.
func (v *Renderer) Pages() []string {
	src := v.src
	if src == nil {
		var err error
		if src, err = readTree(v.fsys, v.cfg.Extension); err != nil {
			return nil
		}
	}
	return slices.Sorted(maps.Keys(src.pages))
}

// Render renders page in the default layout and sends it with the given
// status, Content-Type text/html; charset=utf-8 and Content-Length.
//
// The page is executed into a pooled buffer first: if the page is unknown
// or execution fails, nothing is written and the error is returned, so
// that the app's error handler answers 500 (and logs the cause).
func (v *Renderer) Render(w http.ResponseWriter, status int, page string, data any) error {
	return v.RenderLayout(w, status, v.layout, page, data)
}

// RenderLayout is Render with the layout named explicitly, such as
// "layouts/admin"; "" renders the page without a layout.
func (v *Renderer) RenderLayout(w http.ResponseWriter, status int, layout, page string, data any) error {
	t, err := v.set(layout, page)
	if err != nil {
		return err
	}
	return kiln.Render(w, status, htmlType, func(buf io.Writer) error {
		if err := t.Execute(buf, data); err != nil {
			return renderErr(layout, page, err)
		}
		return nil
	})
}

// Execute writes page, in layout ("" for none), to w: for HTML that does
// not go to an HTTP response, such as an e-mail body. Unlike Render, it
// writes as the template executes, so a failure can leave w with part of
// the page.
func (v *Renderer) Execute(w io.Writer, layout, page string, data any) error {
	t, err := v.set(layout, page)
	if err != nil {
		return err
	}
	if err := t.Execute(w, data); err != nil {
		return renderErr(layout, page, err)
	}
	return nil
}

func renderErr(layout, page string, err error) error {
	if layout == "" {
		return fmt.Errorf("view: rendering page %q: %w", page, err)
	}
	return fmt.Errorf("view: rendering page %q in layout %q: %w", page, layout, err)
}

// set returns the parsed template for page in layout, building and
// keeping it on first use (every page in the default layout was built by
// New). In Reload mode it reads and parses the files every time.
func (v *Renderer) set(layout, page string) (*template.Template, error) {
	if v.src == nil {
		src, err := readTree(v.fsys, v.cfg.Extension)
		if err != nil {
			return nil, err
		}
		return v.build(src, layout, page)
	}
	key := setKey{layout, page}
	if t, ok := (*v.sets.Load())[key]; ok {
		return t, nil
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	sets := *v.sets.Load()
	if t, ok := sets[key]; ok {
		return t, nil
	}
	t, err := v.build(v.src, layout, page)
	if err != nil {
		return nil, err // unknown names are not kept: the map stays bounded
	}
	sets = maps.Clone(sets)
	sets[key] = t
	v.sets.Store(&sets)
	return t, nil
}

// build parses page, every partial and layout (if not "") into one
// template set and returns the template to execute: the layout, whose
// "content" template runs the page, or the page itself.
//
// The layout is parsed before the page, so that the page's define
// actions replace the layout's block defaults.
func (v *Renderer) build(src *tree, layout, page string) (*template.Template, error) {
	pageSrc, ok := src.pages[page]
	if !ok {
		return nil, v.noPageErr(src, page)
	}
	// The page is parsed under its file name (posts/index.html), which
	// cannot clash with the templates that layouts and partials define
	// (title, content, _flash...).
	pageName := page + v.cfg.Extension
	root := pageName
	if layout != "" {
		if _, ok := src.layouts[layout]; !ok {
			return nil, v.noLayoutErr(src, layout)
		}
		root = layout
	}
	t := template.New(root).Funcs(v.cfg.Funcs)
	for _, name := range src.order {
		if _, err := t.New(name).Parse(src.partials[name]); err != nil {
			return nil, v.parseErr(name, err)
		}
	}
	if layout != "" {
		if _, err := t.Parse(src.layouts[layout]); err != nil {
			return nil, v.parseErr(layout, err)
		}
		if _, err := t.New("content").Parse("{{template " + strconv.Quote(pageName) + " .}}"); err != nil {
			return nil, v.parseErr(page, err)
		}
		if _, err := t.New(pageName).Parse(pageSrc); err != nil {
			return nil, v.parseErr(page, err)
		}
		return t, nil
	}
	if _, err := t.Parse(pageSrc); err != nil {
		return nil, v.parseErr(page, err)
	}
	return t, nil
}

func (v *Renderer) parseErr(name string, err error) error {
	return fmt.Errorf("view: parsing %s%s: %w", name, v.cfg.Extension, err)
}

func (v *Renderer) noPageErr(src *tree, page string) error {
	if _, ok := src.layouts[page]; ok {
		return fmt.Errorf("view: %q is a layout, not a page; render a page in it with RenderLayout", page)
	}
	if _, ok := src.partials[page]; ok {
		return fmt.Errorf("view: %q is a partial, not a page; include it from a page with {{template %q .}}", page, page)
	}
	if name, ok := strings.CutSuffix(page, v.cfg.Extension); ok {
		if _, ok := src.pages[name]; ok {
			return fmt.Errorf("view: no page %q: name pages without the extension, as %q", page, name)
		}
	}
	return fmt.Errorf("view: no page %q: add %s%s to the templates (pages: %s)",
		page, page, v.cfg.Extension, nameList(src.pages))
}

func (v *Renderer) noLayoutErr(src *tree, layout string) error {
	if !strings.HasPrefix(layout, "layouts/") {
		full := "layouts/" + layout
		if _, ok := src.layouts[full]; ok {
			return fmt.Errorf("view: no layout %q: layouts are named with their folder, as %q", layout, full)
		}
		return fmt.Errorf("view: no layout %q: layouts are files under layouts/; add %s%s to the templates and name it %q (layouts: %s)",
			layout, full, v.cfg.Extension, full, nameList(src.layouts))
	}
	return fmt.Errorf("view: no layout %q: add %s%s to the templates (layouts: %s)",
		layout, layout, v.cfg.Extension, nameList(src.layouts))
}

// nameList lists the keys of m, sorted, for an error message.
func nameList(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	names := slices.Sorted(maps.Keys(m))
	if len(names) > 20 {
		names = append(names[:20], "…")
	}
	return strings.Join(names, ", ")
}

// readTree reads every file named *ext in fsys.
func readTree(fsys fs.FS, ext string) (*tree, error) {
	if fsys == nil {
		return nil, errors.New("view: New needs a file system holding the templates, such as an embed.FS or os.DirFS(\"templates\")")
	}
	src := &tree{
		layouts:  map[string]string{},
		partials: map[string]string{},
		pages:    map[string]string{},
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ext) || strings.HasPrefix(path.Base(p), ".") {
			return nil // dot-files include editors' lock and swap files
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(p, ext)
		switch {
		case strings.HasPrefix(path.Base(name), "_"): // layouts/_nav too
			src.partials[name] = string(b)
			src.order = append(src.order, name)
		case strings.HasPrefix(name, "layouts/"):
			src.layouts[name] = string(b)
		default:
			src.pages[name] = string(b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("view: reading templates: %w", err)
	}
	if len(src.pages) == 0 {
		return nil, fmt.Errorf("view: no pages (files named *%s outside layouts/ and not starting with _) in the templates FS; pass the directory that holds them, such as fs.Sub(embedFS, \"templates\")", ext)
	}
	slices.Sort(src.order)
	return src, nil
}

// Component is anything that renders itself as HTML given a context,
// such as a templ component.
type Component interface {
	Render(ctx context.Context, w io.Writer) error
}

// RenderComponent renders c with r's context into a pooled buffer and
// sends it as Render does: with the given status, Content-Type
// text/html; charset=utf-8 and Content-Length, or nothing and the error
// if rendering fails.
func RenderComponent(w http.ResponseWriter, r *http.Request, status int, c Component) error {
	return kiln.Render(w, status, htmlType, func(buf io.Writer) error {
		if err := c.Render(r.Context(), buf); err != nil {
			return fmt.Errorf("view: rendering %T: %w", c, err)
		}
		return nil
	})
}
