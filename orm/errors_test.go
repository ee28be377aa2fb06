package orm_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/kiln-web/kiln"
	"github.com/kiln-web/kiln/orm"
)

// constraintSchema creates a users table and a posts table referring to
// it, with named constraints, and two users and one post:
//
//	users(1, taken@example.com, a=1, b=1)  users(2, other@example.com, a=2, b=2)
//	posts(1, user_id=1)
func constraintSchema(t *testing.T, db *orm.DB) (users, posts string) {
	t.Helper()
	users, posts = tableName("users"), tableName("posts")
	createTable(t, db, users, fmt.Sprintf(`id INTEGER PRIMARY KEY,
		email VARCHAR(100) NOT NULL,
		age INTEGER,
		a INTEGER,
		b INTEGER,
		CONSTRAINT %[1]s_email_key UNIQUE (email),
		CONSTRAINT %[1]s_ab_key UNIQUE (a, b),
		CONSTRAINT %[1]s_age_check CHECK (age > 0)`, users))
	createTable(t, db, posts, fmt.Sprintf(`id INTEGER PRIMARY KEY,
		user_id INTEGER NOT NULL,
		CONSTRAINT %[1]s_user_fk FOREIGN KEY (user_id) REFERENCES %[2]s (id)`, posts, db.Dialect().Quote(users)))
	d := db.Dialect()
	ins := fmt.Sprintf("INSERT INTO %s (id, email, a, b) VALUES (%s, %s, %s, %s)", d.Quote(users),
		d.Placeholder(1), d.Placeholder(2), d.Placeholder(3), d.Placeholder(4))
	exec(t, db, ins, 1, "taken@example.com", 1, 1)
	exec(t, db, ins, 2, "other@example.com", 2, 2)
	exec(t, db, fmt.Sprintf("INSERT INTO %s (id, user_id) VALUES (1, 1)", d.Quote(posts)))
	return users, posts
}

// TestConstraintErrors runs the same violations on every database and
// checks the kind, what each database reports (table, column, constraint),
// the driver error behind it and the HTTP status.
func TestConstraintErrors(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *orm.DB) {
		users, posts := constraintSchema(t, db)
		d := db.Dialect()
		dialect := d.Name()
		U, P := d.Quote(users), d.Quote(posts)
		p := d.Placeholder
		// per picks the expected value for this dialect.
		per := func(sqliteV, postgresV, mysqlV string) string {
			return map[string]string{"sqlite": sqliteV, "postgres": postgresV, "mysql": mysqlV}[dialect]
		}
		// SQLite does not name the column of a failed foreign key.
		var fkFields []kiln.FieldError
		if dialect != "sqlite" {
			fkFields = []kiln.FieldError{{Field: "user_id", Message: "refers to a record that does not exist", Code: "exists"}}
		}
		tests := []struct {
			name       string
			query      string
			args       []any
			kind       error
			table      string
			column     string
			constraint string
			status     int
			fields     []kiln.FieldError
		}{
			{
				name:  "unique on insert",
				query: fmt.Sprintf("INSERT INTO %s (id, email) VALUES (%s, %s)", U, p(1), p(2)),
				args:  []any{3, "taken@example.com"},
				kind:  orm.ErrUniqueViolation, table: users, column: "email",
				constraint: per("", users+"_email_key", users+"_email_key"),
				status:     http.StatusConflict,
				fields:     []kiln.FieldError{{Field: "email", Message: "is already taken", Code: "unique"}},
			},
			{
				name:  "unique on update",
				query: fmt.Sprintf("UPDATE %s SET email = %s WHERE id = %s", U, p(1), p(2)),
				args:  []any{"taken@example.com", 2},
				kind:  orm.ErrUniqueViolation, table: users, column: "email",
				constraint: per("", users+"_email_key", users+"_email_key"),
				status:     http.StatusConflict,
				fields:     []kiln.FieldError{{Field: "email", Message: "is already taken", Code: "unique"}},
			},
			{
				name:  "composite unique",
				query: fmt.Sprintf("INSERT INTO %s (id, email, a, b) VALUES (%s, %s, %s, %s)", U, p(1), p(2), p(3), p(4)),
				args:  []any{3, "new@example.com", 1, 1},
				kind:  orm.ErrUniqueViolation, table: users, column: "a, b",
				constraint: per("", users+"_ab_key", users+"_ab_key"),
				status:     http.StatusConflict,
				fields: []kiln.FieldError{
					{Field: "a", Message: "is already taken", Code: "unique"},
					{Field: "b", Message: "is already taken", Code: "unique"},
				},
			},
			{
				name:  "primary key",
				query: fmt.Sprintf("INSERT INTO %s (id, email) VALUES (%s, %s)", U, p(1), p(2)),
				args:  []any{1, "new@example.com"},
				kind:  orm.ErrUniqueViolation, table: users, column: "id",
				constraint: per("", users+"_pkey", "PRIMARY"),
				status:     http.StatusConflict,
				fields:     []kiln.FieldError{{Field: "id", Message: "is already taken", Code: "unique"}},
			},
			{
				name:  "explicit null",
				query: fmt.Sprintf("INSERT INTO %s (id, email) VALUES (%s, %s)", U, p(1), p(2)),
				args:  []any{3, nil},
				kind:  orm.ErrNotNullViolation, table: users, column: "email",
				status: http.StatusUnprocessableEntity,
				fields: []kiln.FieldError{{Field: "email", Message: "is required", Code: "required"}},
			},
			{
				name:  "missing value",
				query: fmt.Sprintf("INSERT INTO %s (id) VALUES (%s)", U, p(1)),
				args:  []any{3},
				kind:  orm.ErrNotNullViolation, table: users, column: "email",
				status: http.StatusUnprocessableEntity,
				fields: []kiln.FieldError{{Field: "email", Message: "is required", Code: "required"}},
			},
			{
				name:  "check",
				query: fmt.Sprintf("INSERT INTO %s (id, email, age) VALUES (%s, %s, %s)", U, p(1), p(2), p(3)),
				args:  []any{3, "new@example.com", -1},
				kind:  orm.ErrCheckViolation, table: users,
				constraint: users + "_age_check",
				status:     http.StatusUnprocessableEntity,
			},
			{
				name:   "foreign key on insert",
				query:  fmt.Sprintf("INSERT INTO %s (id, user_id) VALUES (%s, %s)", P, p(1), p(2)),
				args:   []any{2, 99},
				kind:   orm.ErrForeignKeyViolation,
				table:  per("", posts, posts),
				column: per("", "user_id", "user_id"),
				// SQLite says only "FOREIGN KEY constraint failed".
				constraint: per("", posts+"_user_fk", posts+"_user_fk"),
				status:     http.StatusUnprocessableEntity,
				fields:     fkFields,
			},
			{
				name:       "foreign key on update",
				query:      fmt.Sprintf("UPDATE %s SET user_id = %s WHERE id = %s", P, p(1), p(2)),
				args:       []any{99, 1},
				kind:       orm.ErrForeignKeyViolation,
				table:      per("", posts, posts),
				column:     per("", "user_id", "user_id"),
				constraint: per("", posts+"_user_fk", posts+"_user_fk"),
				status:     http.StatusUnprocessableEntity,
				fields:     fkFields,
			},
			{
				name:  "delete a referenced row",
				query: fmt.Sprintf("DELETE FROM %s WHERE id = %s", U, p(1)),
				args:  []any{1},
				kind:  orm.ErrForeignKeyViolation,
				// PostgreSQL and MySQL name the referencing table; MySQL
				// also its column. A referenced row has no field to blame.
				table:      per("", posts, posts),
				column:     per("", "", "user_id"),
				constraint: per("", posts+"_user_fk", posts+"_user_fk"),
				status:     http.StatusUnprocessableEntity,
			},
		}
		kinds := []error{orm.ErrUniqueViolation, orm.ErrForeignKeyViolation, orm.ErrNotNullViolation, orm.ErrCheckViolation}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// Every case fails, so the data never changes: parallel is safe.
				t.Parallel()
				_, err := db.Exec(context.Background(), tt.query, tt.args...)
				if err == nil {
					t.Fatalf("%s succeeded; want %v", tt.query, tt.kind)
				}
				for _, k := range kinds {
					if got := errors.Is(err, k); got != (k == tt.kind) {
						t.Errorf("errors.Is(err, %v) = %v; err = %v", k, got, err)
					}
				}
				ce, ok := errors.AsType[*orm.ConstraintError](err)
				if !ok {
					t.Fatalf("err is %T, not a *orm.ConstraintError: %v", err, err)
				}
				if ce.Table != tt.table || ce.Column != tt.column || ce.Constraint != tt.constraint {
					t.Errorf("table, column, constraint = %q, %q, %q; want %q, %q, %q",
						ce.Table, ce.Column, ce.Constraint, tt.table, tt.column, tt.constraint)
				}
				if got := ce.StatusCode(); got != tt.status {
					t.Errorf("StatusCode() = %d, want %d", got, tt.status)
				}
				// Wrapped, as handlers do, the status survives.
				if got := kiln.ErrorStatus(fmt.Errorf("save: %w", err)); got != tt.status {
					t.Errorf("kiln.ErrorStatus = %d, want %d", got, tt.status)
				}
				if got := ce.KilnError().Fields; !reflect.DeepEqual(got, tt.fields) {
					t.Errorf("KilnError().Fields = %+v, want %+v", got, tt.fields)
				}
				var driverFound bool
				switch dialect {
				case "sqlite":
					_, driverFound = errors.AsType[*sqlite.Error](err)
				case "postgres":
					_, driverFound = errors.AsType[*pgconn.PgError](err)
				case "mysql":
					_, driverFound = errors.AsType[*mysql.MySQLError](err)
				}
				if !driverFound {
					t.Errorf("errors.As finds no %s driver error in %v", dialect, err)
				}
			})
		}

		t.Run("other errors pass through", func(t *testing.T) {
			t.Parallel()
			_, err := db.Exec(context.Background(), "INSERT INTO no_such_table_"+users+" (id) VALUES (1)")
			if err == nil {
				t.Fatal("insert into a missing table succeeded")
			}
			if _, ok := errors.AsType[*orm.ConstraintError](err); ok {
				t.Errorf("a missing table was classified as a constraint violation: %v", err)
			}
			if got := kiln.ErrorStatus(err); got != http.StatusInternalServerError {
				t.Errorf("kiln.ErrorStatus = %d, want 500", got)
			}
		})

		t.Run("ClassifyError on a transaction", func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			_, err = tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s (id, email) VALUES (%s, %s)", U, p(1), p(2)), 4, "taken@example.com")
			err = orm.ClassifyError(err)
			if !errors.Is(err, orm.ErrUniqueViolation) {
				t.Errorf("ClassifyError(tx error) = %v, want a unique violation", err)
			}
		})

		t.Run("kiln answers 409 with the field", func(t *testing.T) {
			t.Parallel()
			app := kiln.New(kiln.Config{Logger: slog.New(slog.DiscardHandler)})
			app.Handle("POST /users", func(w http.ResponseWriter, r *http.Request) error {
				_, err := db.Exec(r.Context(), fmt.Sprintf("INSERT INTO %s (id, email) VALUES (%s, %s)", U, p(1), p(2)), 5, r.FormValue("email"))
				if err != nil {
					return fmt.Errorf("create user: %w", err)
				}
				w.WriteHeader(http.StatusCreated)
				return nil
			})
			req := httptest.NewRequest("POST", "/users", strings.NewReader("email=taken@example.com"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, req)
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != http.StatusConflict {
				t.Fatalf("status %d, want 409; body %s", rec.Code, body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			var prob struct {
				Code   string            `json:"code"`
				Errors []kiln.FieldError `json:"errors"`
			}
			if err := json.Unmarshal(body, &prob); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			want := []kiln.FieldError{{Field: "email", Message: "is already taken", Code: "unique"}}
			if prob.Code != "unique_violation" || !reflect.DeepEqual(prob.Errors, want) {
				t.Errorf("problem %+v, want code unique_violation and errors %+v", prob, want)
			}
			// Clients never see the value, the constraint or the table.
			for _, secret := range []string{"taken@example.com", users} {
				if strings.Contains(string(body), secret) {
					t.Errorf("the answer shows %q: %s", secret, body)
				}
			}
		})

		t.Run("kiln answers 422 for a missing parent", func(t *testing.T) {
			t.Parallel()
			app := kiln.New(kiln.Config{Logger: slog.New(slog.DiscardHandler)})
			app.Handle("POST /posts", func(w http.ResponseWriter, r *http.Request) error {
				_, err := db.Exec(r.Context(), fmt.Sprintf("INSERT INTO %s (id, user_id) VALUES (%s, %s)", P, p(1), p(2)), 7, 12345)
				return err
			})
			rec := httptest.NewRecorder()
			app.ServeHTTP(rec, httptest.NewRequest("POST", "/posts", nil))
			if rec.Code != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422; body %s", rec.Code, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), `"foreign_key_violation"`) {
				t.Errorf("body has no foreign_key_violation code: %s", rec.Body)
			}
		})
	})
}

func TestClassifyErrorLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	plain := errors.New("boom")
	for _, err := range []error{nil, plain, sql.ErrNoRows, context.Canceled, &pgconn.PgError{Code: "42P01"}, &mysql.MySQLError{Number: 1146}} {
		if got := orm.ClassifyError(err); got != err {
			t.Errorf("ClassifyError(%v) = %v, want it unchanged", err, got)
		}
	}
	// Already classified: returned as is, not wrapped twice.
	ce := &orm.ConstraintError{Kind: orm.ErrUniqueViolation}
	wrapped := fmt.Errorf("x: %w", ce)
	if got := orm.ClassifyError(wrapped); got != wrapped {
		t.Errorf("ClassifyError re-wrapped a classified error: %v", got)
	}
}

func TestClassifyMySQLMessages(t *testing.T) {
	t.Parallel()
	// MySQL 8 wording, which MariaDB (the server the suite runs on) does not use.
	tests := []struct {
		err                      *mysql.MySQLError
		kind                     error
		table, column, constrain string
	}{
		{&mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'a@b' for key 'users.users_email_key'"}, orm.ErrUniqueViolation, "users", "", "users_email_key"},
		{&mysql.MySQLError{Number: 3819, Message: "Check constraint 'age_positive' is violated."}, orm.ErrCheckViolation, "", "", "age_positive"},
		{&mysql.MySQLError{Number: 1364, Message: "Field 'email' doesn't have a default value"}, orm.ErrNotNullViolation, "", "email", ""},
	}
	for _, tt := range tests {
		t.Run(tt.err.Message, func(t *testing.T) {
			t.Parallel()
			ce, ok := errors.AsType[*orm.ConstraintError](orm.ClassifyError(tt.err))
			if !ok {
				t.Fatalf("not classified: %v", tt.err)
			}
			if ce.Kind != tt.kind || ce.Table != tt.table || ce.Column != tt.column || ce.Constraint != tt.constrain {
				t.Errorf("got %v %q %q %q; want %v %q %q %q", ce.Kind, ce.Table, ce.Column, ce.Constraint, tt.kind, tt.table, tt.column, tt.constrain)
			}
		})
	}
}

func TestErrNotFound(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("load post 7: %w", orm.ErrNotFound)
	if !errors.Is(err, orm.ErrNotFound) || !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("errors.Is(ErrNotFound / sql.ErrNoRows) = %v / %v, want true", errors.Is(err, orm.ErrNotFound), errors.Is(err, sql.ErrNoRows))
	}
	if got := kiln.ErrorStatus(err); got != http.StatusNotFound {
		t.Errorf("kiln.ErrorStatus = %d, want 404", got)
	}
	if orm.ErrNotFound.Error() != "orm: no rows" {
		t.Errorf("Error() = %q", orm.ErrNotFound.Error())
	}
}

func TestConstraintErrorMessage(t *testing.T) {
	t.Parallel()
	driver := errors.New("driver said no")
	tests := []struct {
		err  *orm.ConstraintError
		want string
	}{
		{&orm.ConstraintError{Kind: orm.ErrUniqueViolation, Table: "users", Column: "email", Constraint: "users_email_key", Err: driver},
			"orm: unique constraint violated on users.email (constraint users_email_key): driver said no"},
		{&orm.ConstraintError{Kind: orm.ErrUniqueViolation, Table: "users", Column: "a, b", Err: driver},
			"orm: unique constraint violated on users.(a, b): driver said no"},
		{&orm.ConstraintError{Kind: orm.ErrForeignKeyViolation, Err: driver},
			"orm: foreign key constraint violated: driver said no"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
}
