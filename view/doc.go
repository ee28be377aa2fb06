// Package view renders HTML pages from html/template files, with layouts
// and partials, for Kiln handlers.
//
// A Renderer reads a tree of template files, usually an embed.FS, once at
// start-up and parses every page, so a template syntax error stops the app
// before it serves anything. Its Render method executes a page into a
// pooled buffer and sends it in one write with Content-Type
// text/html; charset=utf-8 and Content-Length. A template that fails while
// executing has sent nothing yet, so the returned error lets the app's
// error handler answer a clean 500 instead of half a page under a 200.
//
// # The template tree
//
// Files are named by their slash-separated path without the extension
// (Config.Extension, ".html" by default):
//
//	templates/
//	  layouts/app.html      a layout: "layouts/app"
//	  layouts/admin.html    another layout: "layouts/admin"
//	  _flash.html           a partial: "_flash"
//	  posts/_form.html      a partial: "posts/_form"
//	  posts/index.html      a page: "posts/index"
//	  posts/new.html        a page: "posts/new"
//
// Files whose name starts with an underscore are partials (layouts/_nav
// too), other files under layouts/ are layouts, and every other file is a
// page. Files whose name starts with a dot are ignored. Every page and
// layout can include every partial, by its name:
//
//	{{template "posts/_form" .}}
//
// Partials are parsed in name order, before the layout and the page; when
// two of them define the same template, the later name wins, and a page's
// define beats them all.
//
// # Layouts
//
// A page renders inside a layout, as in Rails and Phoenix: the page's own
// text becomes the template "content", which the layout includes where
// the page belongs. Blocks that the layout declares with a default, such
// as the title, can be overridden by the page with define:
//
//	layouts/app.html:
//	<!doctype html>
//	<title>{{block "title" .}}My app{{end}}</title>
//	<main>{{template "content" .}}</main>
//
//	posts/index.html:
//	{{define "title"}}Posts{{end}}
//	<h1>Posts</h1>
//	{{range .}}<p>{{.Title}}</p>{{end}}
//
// As in text/template, a define whose body is empty (or only spaces) does
// not replace anything, so the layout's default stays; to blank a block,
// define it as {{""}}.
//
// Render uses the default layout (Config.Layout, "layouts/app" if the tree
// has it); RenderLayout names another one, or "" for none.
//
// # Security
//
// Every value is escaped for the context it lands in (HTML text,
// attributes, URLs, JavaScript, CSS) by html/template. Only values of the
// types template.HTML, template.URL and so on skip escaping: never convert
// request data to them.
//
// # Other renderers
//
// RenderComponent sends any value with a Render(ctx, io.Writer) error
// method, which is what templ components have, the same way: into a
// pooled buffer first, then in one write.
package view
