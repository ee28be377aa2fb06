// Package kilntest helps test Kiln apps, and any http.Handler, over real
// HTTP: it serves the handler with net/http/httptest on a loopback socket
// and sends requests with a client that keeps cookies like a browser, so
// middleware, cookies, redirects and streaming behave as in production.
//
// A test makes a Client and chains assertions on each Response:
//
//	func TestPosts(t *testing.T) {
//		app := kiln.New(kiln.Config{})
//		app.Handle("GET /posts/{id}", showPost)
//		app.Handle("POST /login", login)
//
//		c := kilntest.New(t, app)
//		c.PostForm("/login", url.Values{"user": {"ann"}, "password": {"s3cret"}}).
//			AssertRedirect("/")
//		c.Get("/posts/1").
//			AssertStatus(http.StatusOK).
//			AssertHeaderContains("Content-Type", "application/json").
//			AssertJSON(`{"id": 1, "title": "Hello", "author": "ann"}`)
//	}
//
// Assertions report with t.Errorf, so one run shows every mismatch; a
// request that cannot be sent at all fails with t.Fatalf. Redirects are
// not followed unless Client.FollowRedirects is set.
//
// For many similar requests, describe each as a Scenario and call Run (or
// RunParallel), which runs each as a named subtest with its own Client:
//
//	kilntest.Run(t, app, []kilntest.Scenario{
//		{Name: "missing post", Path: "/posts/404", WantStatus: http.StatusNotFound},
//		{Name: "bad json", Method: "POST", Path: "/posts", Body: "{",
//			WantStatus: http.StatusBadRequest},
//	})
//
// Database tests get an isolated database each from package orm/ormtest
// (ormtest.Each, Open, URL, and Tx for a transaction rolled back at the
// end), which finds the servers through PostgresURL and MySQLURL here. It
// is a package of its own so that HTTP tests do not link the database
// drivers. Fixtures and factories are in package orm/fixture.
package kilntest
