package main

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kiln-web/kiln"
)

// Note is one note.
type Note struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// NoteInput is what clients send to create or update a note, from a JSON
// body or a form.
type NoteInput struct {
	Title string `json:"title" form:"title" validate:"required,min=3,max=100"`
	Body  string `json:"body" form:"body" validate:"max=10000"`
}

var errNoNote = errors.New("no such note")

// store keeps notes in memory. (The data-layer issue moves it to kiln/orm.)
type store struct {
	mu     sync.RWMutex
	nextID int64
	notes  map[int64]Note
}

func newStore() *store { return &store{nextID: 1, notes: map[int64]Note{}} }

func (s *store) list() []Note {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Note, 0, len(s.notes))
	for _, n := range s.notes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b Note) int { return int(b.ID - a.ID) })
	return out
}

func (s *store) get(id int64) (Note, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n, ok := s.notes[id]
	if !ok {
		return Note{}, errNoNote
	}
	return n, nil
}

func (s *store) create(in NoteInput) Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := Note{ID: s.nextID, Title: in.Title, Body: in.Body, CreatedAt: time.Now().UTC()}
	s.nextID++
	s.notes[n.ID] = n
	return n
}

func (s *store) update(id int64, in NoteInput) (Note, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[id]
	if !ok {
		return Note{}, errNoNote
	}
	n.Title, n.Body = in.Title, in.Body
	s.notes[id] = n
	return n, nil
}

func (s *store) delete(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.notes[id]; !ok {
		return errNoNote
	}
	delete(s.notes, id)
	return nil
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
	if errors.Is(err, errNoNote) {
		return kiln.NotFound("No note has that id.")
	}
	return err
}

// handlers serves the HTML pages.
type handlers struct {
	store *store
	pages *pages
	app   *kiln.App
}

func (h *handlers) home(w http.ResponseWriter, r *http.Request) error {
	return h.pages.render(w, http.StatusOK, "home.html", map[string]any{"Notes": h.store.list()})
}

func (h *handlers) showPage(w http.ResponseWriter, r *http.Request) error {
	id, err := noteID(r)
	if err != nil {
		return err
	}
	n, err := h.store.get(id)
	if err != nil {
		return notFound(err)
	}
	return h.pages.render(w, http.StatusOK, "show.html", map[string]any{"Note": n})
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
		return h.pages.render(w, http.StatusUnprocessableEntity, "home.html", map[string]any{
			"Notes": h.store.list(), "Input": in, "Errors": fieldErrs,
		})
	}
	n := h.store.create(in)
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
	notes := a.store.list()
	if q.Search != "" {
		notes = slices.DeleteFunc(notes, func(n Note) bool {
			return !strings.Contains(strings.ToLower(n.Title+" "+n.Body), strings.ToLower(q.Search))
		})
	}
	return kiln.JSON(w, http.StatusOK, notes)
}

func (a *api) Create(w http.ResponseWriter, r *http.Request) error {
	var in NoteInput
	if err := kiln.Bind(r, &in); err != nil {
		return err
	}
	n := a.store.create(in)
	w.Header().Set("Location", "/api/notes/"+strconv.FormatInt(n.ID, 10))
	return kiln.JSON(w, http.StatusCreated, n)
}

func (a *api) Show(w http.ResponseWriter, r *http.Request) error {
	id, err := noteID(r)
	if err != nil {
		return err
	}
	n, err := a.store.get(id)
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
	n, err := a.store.update(id, in)
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
	if err := a.store.delete(id); err != nil {
		return notFound(err)
	}
	return kiln.NoContent(w)
}
