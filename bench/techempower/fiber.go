package techempower

import (
	"context"
	"net"

	"github.com/gofiber/fiber/v3"
	"github.com/gofiber/fiber/v3/middleware/recover"
	"github.com/gofiber/fiber/v3/middleware/requestid"
)

// Fiber v3 (on fasthttp), as its users write it: fiber.New with the
// Server header from Config.ServerHeader, the recover and requestid
// middleware, c.JSON and c.SendString, html/template executed into the
// Ctx (Fiber's own template engines wrap the same html/template), and pgx
// for the data.

func newFiber(ctx context.Context, cfg Config) (Server, error) {
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st := pgStore{pool: pool}
	tmpl := fortunesTemplate()
	app := fiber.New(fiber.Config{ServerHeader: "Fiber"})
	app.Use(recover.New(), requestid.New())
	app.Get("/json", func(c fiber.Ctx) error {
		return c.JSON(&message{Message: helloWorld})
	})
	app.Get("/db", func(c fiber.Ctx) error {
		w, err := st.world(c.Context(), RandomID())
		if err != nil {
			return err
		}
		return c.JSON(&w)
	})
	app.Get("/queries", func(c fiber.Ctx) error {
		ws, err := st.worlds(c.Context(), QueryCount(c.Query("queries")))
		if err != nil {
			return err
		}
		return c.JSON(ws)
	})
	app.Get("/fortunes", func(c fiber.Ctx) error {
		fs, err := st.fortunes(c.Context())
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return tmpl.Execute(c, fs)
	})
	app.Get("/updates", func(c fiber.Ctx) error {
		ws, err := st.update(c.Context(), QueryCount(c.Query("queries")))
		if err != nil {
			return err
		}
		return c.JSON(ws)
	})
	app.Get("/plaintext", func(c fiber.Ctx) error {
		return c.SendString(helloWorld)
	})
	return &fiberServer{app: app, close: pool.Close}, nil
}

type fiberServer struct {
	app   *fiber.App
	close func()
}

func (s *fiberServer) Serve(ln net.Listener) error {
	return s.app.Listener(ln, fiber.ListenConfig{DisableStartupMessage: true})
}

func (s *fiberServer) Shutdown(ctx context.Context) error {
	err := s.app.ShutdownWithContext(ctx)
	s.close()
	return err
}
