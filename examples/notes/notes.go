package main

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/migrate"
	"github.com/kiln-web/kiln/orm"
	"github.com/kiln-web/kiln/view"
)

// Note is one note, stored in the notes table.
type Note struct {
	ID        int64     `db:"id,pk" json:"id"`
	Title     string    `db:",size=100" json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `db:",created_at,index" json:"created_at"`
}

// NoteInput is what clients send to create or update a note, from a JSON
// body or a form.
type NoteInput struct {
	Title string `json:"title" form:"title" validate:"required,min=3,max=100"`
	Body  string `json:"body" form:"body" validate:"max=10000"`
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the migration files at the root of an fs.FS, as
// migrate.New and migrate.CLI take them.
func migrations() fs.FS {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // fs.Sub fails only on an invalid path, and this one is valid
	}
	return files
}

// models returns the registry of the models the app stores, which
// "notes migrate make" compares with the migrations' schema.
func models() *orm.Registry {
	var r orm.Registry
	orm.MustRegister[Note](&r)
	return &r
}

// migrateCLI is the "notes migrate" command on the database at url. Its
// make command writes model-diff migrations into examples/notes/migrations
// when run from the repository's root.
func migrateCLI(url string) *migrate.CLI {
	return &migrate.CLI{DatabaseURL: url, FS: migrations(), Models: models(), Dir: "examples/notes/migrations"}
}

// store keeps notes in the database through kiln/orm.
type store struct{ db *orm.DB }

// openStore opens the database at url and applies the migrations, as every
// node of the app does at start (the migration lock makes that safe).
func openStore(ctx context.Context, url string, logger *slog.Logger) (*store, error) {
	db, err := orm.Open(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	m, err := migrate.New(db, migrations(), &migrate.Options{Logger: logger})
	if err == nil {
		_, err = m.Up(ctx)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &store{db: db}, nil
}

// list returns the notes, newest first, optionally only those containing
// search (case-insensitive) in the title or body.
func (s *store) list(ctx context.Context, search string) ([]Note, error) {
	q := orm.Query[Note](s.db).OrderBy("-id")
	if search != "" {
		// Escape LIKE's wildcards so a search for "50%" means that text.
		pat := "%" + strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(strings.ToLower(search)) + "%"
		q = q.Where("LOWER(title) LIKE ? ESCAPE '!' OR LOWER(body) LIKE ? ESCAPE '!'", pat, pat)
	}
	return q.All(ctx)
}

func (s *store) get(ctx context.Context, id int64) (Note, error) {
	return orm.Query[Note](s.db).Get(ctx, id)
}

func (s *store) create(ctx context.Context, in NoteInput) (Note, error) {
	n := Note{Title: in.Title, Body: in.Body}
	err := orm.Insert(ctx, s.db, &n)
	return n, err
}

func (s *store) update(ctx context.Context, id int64, in NoteInput) (Note, error) {
	var n Note
	err := s.db.Tx(ctx, func(tx *orm.Tx) error {
		var err error
		if n, err = orm.Query[Note](tx).Get(ctx, id); err != nil {
			return err
		}
		n.Title, n.Body = in.Title, in.Body
		return orm.Update(ctx, tx, &n, "title", "body")
	})
	return n, err
}

func (s *store) delete(ctx context.Context, id int64) error {
	n, err := orm.Query[Note](s.db).Where("id = ?", id).Delete(ctx)
	if err == nil && n == 0 {
		return orm.ErrNotFound
	}
	return err
}

// noteID reads and checks the {id} path value.
func noteID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &kiln.Error{Status: http.StatusBadRequest, Code: "invalid_id",
			Message: "The note id must be a positive whole number.",
			Fields:  []kiln.FieldError{{Field: "id", Message: "must be a positive integer"}}}
	}
	return id, nil
}

func notFound(err error) error {
	if errors.Is(err, orm.ErrNotFound) {
		return kiln.NotFound("No note has that id.")
	}
	return err
}

// handlers serves the HTML pages.
type handlers struct {
	store *store
	views *view.Renderer
	app   *kiln.App
}

func (h *handlers) home(w http.ResponseWriter, r *http.Request) error {
	notes, err := h.store.list(r.Context(), "")
	if err != nil {
		return err
	}
	return h.views.Render(w, http.StatusOK, "home", map[string]any{"Notes": notes})
}

func (h *handlers) showPage(w http.ResponseWriter, r *http.Request) error {
	id, err := noteID(r)
	if err != nil {
		return err
	}
	n, err := h.store.get(r.Context(), id)
	if err != nil {
		return notFound(err)
	}
	return h.views.Render(w, http.StatusOK, "show", map[string]any{"Note": n})
}

// createFromForm handles the HTML form: on invalid input it re-renders the
// page with the errors next to the fields and what the user typed kept.
func (h *handlers) createFromForm(w http.ResponseWriter, r *http.Request) error {
	var in NoteInput
	if err := kiln.Bind(r, &in); err != nil {
		var ke *kiln.Error
		if !errors.As(err, &ke) || ke.StatusCode() != http.StatusUnprocessableEntity {
			return err
		}
		fieldErrs := map[string]string{}
		for _, f := range ke.Fields {
			fieldErrs[f.Field] = f.Message
		}
		notes, err := h.store.list(r.Context(), "")
		if err != nil {
			return err
		}
		return h.views.Render(w, http.StatusUnprocessableEntity, "home", map[string]any{
			"Notes": notes, "Input": in, "Errors": fieldErrs,
		})
	}
	n, err := h.store.create(r.Context(), in)
	if err != nil {
		return err
	}
	return kiln.Redirect(w, r, h.app.MustURL("notes.show", "id", n.ID), http.StatusSeeOther)
}

// api is the JSON API, registered with Resource.
type api struct{ store *store }

func (a *api) Index(w http.ResponseWriter, r *http.Request) error {
	var q struct {
		Search string `query:"q"`
	}
	if err := kiln.Bind(r, &q); err != nil {
		return err
	}
	notes, err := a.store.list(r.Context(), q.Search)
	if err != nil {
		return err
	}
	return kiln.JSON(w, http.StatusOK, notes)
}

func (a *api) Create(w http.ResponseWriter, r *http.Request) error {
	var in NoteInput
	if err := kiln.Bind(r, &in); err != nil {
		return err
	}
	n, err := a.store.create(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/notes/"+strconv.FormatInt(n.ID, 10))
	return kiln.JSON(w, http.StatusCreated, n)
}

func (a *api) Show(w http.ResponseWriter, r *http.Request) error {
	id, err := noteID(r)
	if err != nil {
		return err
	}
	n, err := a.store.get(r.Context(), id)
	if err != nil {
		return notFound(err)
	}
	return kiln.JSON(w, http.StatusOK, n)
}

func (a *api) Update(w http.ResponseWriter, r *http.Request) error {
	id, err := noteID(r)
	if err != nil {
		return err
	}
	var in NoteInput
	if err := kiln.Bind(r, &in); err != nil {
		return err
	}
	n, err := a.store.update(r.Context(), id, in)
	if err != nil {
		return notFound(err)
	}
	return kiln.JSON(w, http.StatusOK, n)
}

func (a *api) Destroy(w http.ResponseWriter, r *http.Request) error {
	id, err := noteID(r)
	if err != nil {
		return err
	}
	if err := a.store.delete(r.Context(), id); err != nil {
		return notFound(err)
	}
	return kiln.NoContent(w)
}
