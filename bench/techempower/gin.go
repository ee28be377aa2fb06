package techempower

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Gin, as its users write it: gin.New in release mode with gin.Recovery
// (gin.Default minus the logger; Gin ships no request-id middleware),
// c.JSON, c.String and c.HTML with the template set by SetHTMLTemplate,
// and pgx for the data.

func init() { gin.SetMode(gin.ReleaseMode) }

func newGin(ctx context.Context, cfg Config) (Server, error) {
	pool, err := newPool(ctx, cfg)
	if err != nil {
		return nil, err
	}
	st := pgStore{pool: pool}
	r := gin.New()
	r.Use(gin.Recovery(), func(c *gin.Context) {
		c.Header("Server", "Gin")
		c.Next()
	})
	r.SetHTMLTemplate(fortunesTemplate())
	r.GET("/json", func(c *gin.Context) {
		c.JSON(http.StatusOK, &message{Message: helloWorld})
	})
	r.GET("/db", func(c *gin.Context) {
		w, err := st.world(c.Request.Context(), RandomID())
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.JSON(http.StatusOK, &w)
	})
	r.GET("/queries", func(c *gin.Context) {
		ws, err := st.worlds(c.Request.Context(), QueryCount(c.Query("queries")))
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.JSON(http.StatusOK, ws)
	})
	r.GET("/fortunes", func(c *gin.Context) {
		fs, err := st.fortunes(c.Request.Context())
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.HTML(http.StatusOK, "fortunes", fs)
	})
	r.GET("/updates", func(c *gin.Context) {
		ws, err := st.update(c.Request.Context(), QueryCount(c.Query("queries")))
		if err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		c.JSON(http.StatusOK, ws)
	})
	r.GET("/plaintext", func(c *gin.Context) {
		c.String(http.StatusOK, helloWorld)
	})
	return newHTTPServer(r, pool.Close), nil
}
