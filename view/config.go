package view

import "html/template"

// Config configures a Renderer. The zero Config is ready to use.
type Config struct {
	// Funcs are the functions every template can call, in addition to
	// html/template's built-in ones, such as a "url" function that reverses
	// named routes with kiln.App.URL. Defaults to none.
	Funcs template.FuncMap

	// Layout is the name of the layout that Render wraps every page in
	// (a file under layouts/, without the extension). Set it to "-" to
	// render pages without a layout by default. Defaults to "layouts/app"
	// if the tree has that file, and to no layout otherwise.
	Layout string

	// Extension is the file name extension of template files; files with
	// other extensions are ignored. Defaults to ".html".
	Extension string

	// Reload makes the Renderer read and parse the templates again on
	// every render, so that edits to files on disk (os.DirFS) show up
	// without a restart (the default layout stays the one chosen by New).
	// It is for development only: it is slow, and a template error
	// surfaces on the request instead of at start-up. Defaults to false.
	Reload bool
}

// noLayout is the Config.Layout value that turns the default layout off.
const noLayout = "-"
