package techempower

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"
)

// Echo v5, as its users write it: echo.New (no middleware of its own)
// with middleware.Recover and middleware.RequestID, handlers that return
// errors, c.JSON, c.String and c.Render through echo.TemplateRenderer, and
// pgx for the data.

func newEcho(ctx context.Context, cfg Config) (Server, error) {
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st := pgStore{pool: pool}
	e := echo.New()
	e.Use(middleware.Recover(), middleware.RequestID(), func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			c.Response().Header().Set("Server", "Echo")
			return next(c)
		}
	})
	e.Renderer = &echo.TemplateRenderer{Template: fortunesTemplate()}
	e.GET("/json", func(c *echo.Context) error {
		return c.JSON(http.StatusOK, &message{Message: helloWorld})
	})
	e.GET("/db", func(c *echo.Context) error {
		w, err := st.world(c.Request().Context(), RandomID())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, &w)
	})
	e.GET("/queries", func(c *echo.Context) error {
		ws, err := st.worlds(c.Request().Context(), QueryCount(c.QueryParam("queries")))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ws)
	})
	e.GET("/fortunes", func(c *echo.Context) error {
		fs, err := st.fortunes(c.Request().Context())
		if err != nil {
			return err
		}
		return c.Render(http.StatusOK, "fortunes", fs)
	})
	e.GET("/updates", func(c *echo.Context) error {
		ws, err := st.update(c.Request().Context(), QueryCount(c.QueryParam("queries")))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ws)
	})
	e.GET("/plaintext", func(c *echo.Context) error {
		return c.String(http.StatusOK, helloWorld)
	})
	return newHTTPServer(e, pool.Close), nil
}
