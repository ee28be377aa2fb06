module github.com/kiln-web/kiln

go 1.26
