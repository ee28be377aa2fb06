package kiln_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/kiln-web/kiln"
)

func ExampleBind() {
	type CreatePost struct {
		BlogID int      `path:"blog"`
		Draft  bool     `query:"draft"`
		Title  string   `json:"title" validate:"required,max=100"`
		Tags   []string `json:"tags" validate:"max=5"`
		Pinned bool     `json:"pinned" validate:"required"` // a present false passes
	}

	body := `{"title": "Hello, Kiln", "tags": ["go", "web"], "pinned": false}`
	r := httptest.NewRequest("POST", "/blogs/7/posts?draft=true", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.SetPathValue("blog", "7") // the router does this for "POST /blogs/{blog}/posts"

	var in CreatePost
	if err := kiln.Bind(r, &in); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", in)
	// Output:
	// {BlogID:7 Draft:true Title:Hello, Kiln Tags:[go web] Pinned:false}
}

func ExampleBind_errors() {
	type Signup struct {
		Email string `json:"email" validate:"required,email"`
		Age   int    `json:"age" validate:"gte=13"`
	}
	for _, body := range []string{
		"{\n  \"email\": \"ada@example.com\",\n  \"age\": 36,}",
		`{"email": "ada@example.com", "age": "thirty"}`,
		`{"email": "ada@example.com", "admin": true}`,
		`{"email": "ada", "age": 9}`,
	} {
		r := httptest.NewRequest("POST", "/signup", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		err := kiln.Bind(r, &Signup{})

		var ke *kiln.Error
		if errors.As(err, &ke) {
			fmt.Println(ke.StatusCode(), ke.ErrorCode(), ke.PublicMessage())
			for _, f := range ke.Fields {
				fmt.Printf("  %s: %s\n", f.Field, f.Message)
			}
		}
	}
	// Output:
	// 400 malformed_json malformed JSON at line 3, column 13: invalid character '}' looking for beginning of object key string
	// 400 invalid_field The request has fields of the wrong type.
	//   age: must be a number
	// 400 unknown_field The request has a field this endpoint does not accept.
	//   admin: is not a known field
	// 422 validation_failed The request has invalid fields.
	//   email: must be a valid email address
	//   age: must be at least 13
}

func ExampleValidate() {
	type Address struct {
		City string `json:"city" validate:"required"`
	}
	type Item struct {
		Name string `json:"name" validate:"required"`
	}
	type Order struct {
		Customer string  `json:"customer" validate:"required,min=3"`
		Password string  `json:"password" validate:"required"`
		Confirm  string  `json:"confirm" validate:"eqfield=Password"`
		Size     string  `json:"size" validate:"oneof=s m l"`
		Address  Address `json:"address"`
		Items    []Item  `json:"items" validate:"min=1,dive"`
	}
	err := kiln.Validate(Order{
		Customer: "Al",
		Password: "hunter22",
		Confirm:  "hunter2",
		Size:     "xl",
		Items:    []Item{{Name: "tea"}, {}},
	})

	var ke *kiln.Error
	if errors.As(err, &ke) {
		fmt.Println(ke.StatusCode(), ke.ErrorCode())
		for _, f := range ke.Fields {
			fmt.Printf("%s: %s (%s)\n", f.Field, f.Message, f.Code)
		}
	}
	// Output:
	// 422 validation_failed
	// customer: must be at least 3 characters (min)
	// confirm: must match password (eqfield)
	// size: must be one of: s, m, l (oneof)
	// address.city: is required (required)
	// items[1].name: is required (required)
}

func ExampleRegisterValidation() {
	// At start-up, before serving:
	err := kiln.RegisterValidation("example_even", func(fl validator.FieldLevel) bool {
		return fl.Field().Int()%2 == 0
	}, "must be an even number")
	if err != nil {
		panic(err)
	}

	type Pairs struct {
		Count int `json:"count" validate:"example_even"`
	}
	fmt.Println(kiln.Validate(Pairs{Count: 3}))
	// Output:
	// 422 validation_failed: The request has invalid fields.; count must be an even number
}
