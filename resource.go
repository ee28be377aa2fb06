package kiln

import (
	"net/http"
	"strings"
)

// The interfaces below are the seven RESTful actions Resource looks for,
// named as in Rails. A controller implements any subset; each method is an
// ordinary Kiln handler.

// Indexer lists a collection: GET /posts.
type Indexer interface {
	Index(w http.ResponseWriter, r *http.Request) error
}

// Newer shows the form for a new item: GET /posts/new.
type Newer interface {
	New(w http.ResponseWriter, r *http.Request) error
}

// Creator creates an item: POST /posts.
type Creator interface {
	Create(w http.ResponseWriter, r *http.Request) error
}

// Shower shows one item: GET /posts/{id}.
type Shower interface {
	Show(w http.ResponseWriter, r *http.Request) error
}

// Editor shows the form to edit an item: GET /posts/{id}/edit.
type Editor interface {
	Edit(w http.ResponseWriter, r *http.Request) error
}

// Updater updates an item: PUT and PATCH /posts/{id}.
type Updater interface {
	Update(w http.ResponseWriter, r *http.Request) error
}

// Destroyer deletes an item: DELETE /posts/{id}.
type Destroyer interface {
	Destroy(w http.ResponseWriter, r *http.Request) error
}

// Resource registers the RESTful routes for ctrl under path, for each of the
// seven actions ctrl implements (see Indexer, Newer, Creator, Shower,
// Editor, Updater and Destroyer):
//
//	GET    /posts           Index    posts.index
//	GET    /posts/new       New      posts.new
//	POST   /posts           Create   posts.create
//	GET    /posts/{id}      Show     posts.show
//	GET    /posts/{id}/edit Edit     posts.edit
//	PUT    /posts/{id}      Update   posts.update
//	PATCH  /posts/{id}      Update
//	DELETE /posts/{id}      Destroy  posts.destroy
//
// Routes are named after the literal segments of the full path, group
// prefix included, joined with dots: "/posts" gives posts.index, "/api/posts"
// api.posts.index, "/users/{uid}/posts" users.posts.index. It panics if ctrl
// implements none of the actions. Handlers read the id with
// r.PathValue("id").
func (rt *Router) Resource(path string, ctrl any) []*Route {
	path = strings.TrimSuffix(path, "/")
	base := resourceName(joinPath(rt.prefix, path))
	var routes []*Route
	add := func(method, p, action string, h HandlerFunc) {
		r := rt.Handle(method+" "+p, h)
		if action != "" {
			r.Name(base + "." + action)
		}
		routes = append(routes, r)
	}
	if c, ok := ctrl.(Indexer); ok {
		add("GET", path, "index", c.Index)
	}
	if c, ok := ctrl.(Newer); ok {
		add("GET", path+"/new", "new", c.New)
	}
	if c, ok := ctrl.(Creator); ok {
		add("POST", path, "create", c.Create)
	}
	if c, ok := ctrl.(Shower); ok {
		add("GET", path+"/{id}", "show", c.Show)
	}
	if c, ok := ctrl.(Editor); ok {
		add("GET", path+"/{id}/edit", "edit", c.Edit)
	}
	if c, ok := ctrl.(Updater); ok {
		add("PUT", path+"/{id}", "update", c.Update)
		add("PATCH", path+"/{id}", "", c.Update)
	}
	if c, ok := ctrl.(Destroyer); ok {
		add("DELETE", path+"/{id}", "destroy", c.Destroy)
	}
	if len(routes) == 0 {
		panic("kiln: Resource(" + path + "): " + typeName(ctrl) +
			" implements none of Index, New, Create, Show, Edit, Update, Destroy (each func(w, r) error)")
	}
	return routes
}

// resourceName joins the literal segments of path with dots.
func resourceName(path string) string {
	var parts []string
	for _, seg := range strings.Split(path, "/") {
		if seg != "" && !strings.HasPrefix(seg, "{") {
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, ".")
}
