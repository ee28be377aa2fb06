package migrate_test

import (
	"time"
)

// The v1 models: every column kind, indexes, a unique field, defaults,
// nullable fields, timestamps, soft delete and all four relation kinds.

type Author struct {
	ID        int64     `db:"id,pk"`
	Name      string    `db:"name,size=100"`
	Email     string    `db:"email,size=200,unique"`
	Profile   *Profile  `rel:"has_one,fk=AuthorID"`
	Posts     []Post    `rel:"has_many,fk=AuthorID"`
	CreatedAt time.Time `db:",created_at"`
	UpdatedAt time.Time `db:",updated_at"`
}

func (Author) TableName() string { return "authors" }

type Profile struct {
	ID       int64  `db:"id,pk"`
	AuthorID int64  `db:"author_id,unique"`
	Bio      string `db:"bio"`
}

func (Profile) TableName() string { return "profiles" }

// PostExtra is stored as JSON in a NOT NULL column.
type PostExtra struct {
	Lang string `json:"lang"`
}

type Post struct {
	ID          int64             `db:"id,pk"`
	AuthorID    int64             `db:"author_id"`
	EditorID    *int64            `db:"editor_id"`
	Title       string            `db:"title,size=200,index"`
	Slug        string            `db:"slug,size=100,unique"`
	Body        string            `db:"body"`
	Draft       bool              `db:"draft,default=true"`
	Views       int32             `db:"views,default=0"`
	Score       float64           `db:"score"`
	Meta        map[string]string `db:"meta"`
	Extra       PostExtra         `db:"extra"`
	Cover       []byte            `db:"cover"`
	ExternalID  string            `db:"external_id,uuid"`
	PublishedAt *time.Time        `db:"published_at"`
	Author      *Author           `rel:"belongs_to,ondelete=cascade"`
	Editor      *Author           `rel:"belongs_to,ondelete=set null"`
	Comments    []Comment         `rel:"has_many,fk=PostID"`
	Tags        []Tag             `rel:"many_to_many,join=post_tags,join_fk=post_id,join_ref=tag_id"`
	CreatedAt   time.Time         `db:",created_at"`
	UpdatedAt   time.Time         `db:",updated_at"`
	DeletedAt   *time.Time        `db:",deleted_at"`
}

func (Post) TableName() string { return "posts" }

type Comment struct {
	ID     int64  `db:"id,pk"`
	PostID int64  `db:"post_id"`
	Body   string `db:"body,size=500"`
	Stars  *int32 `db:"stars"`
	Post   *Post  `rel:"belongs_to,ondelete=cascade"`
}

func (Comment) TableName() string { return "comments" }

type Tag struct {
	ID   string `db:"id,pk,uuid"`
	Name string `db:"name,size=50,unique"`
}

func (Tag) TableName() string { return "tags" }

// The v2 models: the same tables, evolved. Authors get an index on name;
// posts get a new reviewer foreign key, a NOT NULL column without a
// default and a nullable one, lose score and their tags, and have title,
// body, draft and views altered; comments' stars become NOT NULL with a
// default. Tag is gone, so tags and post_tags are dropped.

type AuthorV2 struct {
	ID        int64      `db:"id,pk"`
	Name      string     `db:"name,size=100,index"`
	Email     string     `db:"email,size=200,unique"`
	Profile   *ProfileV2 `rel:"has_one,fk=AuthorID"`
	Posts     []PostV2   `rel:"has_many,fk=AuthorID"`
	CreatedAt time.Time  `db:",created_at"`
	UpdatedAt time.Time  `db:",updated_at"`
}

func (AuthorV2) TableName() string { return "authors" }

type ProfileV2 struct {
	ID       int64  `db:"id,pk"`
	AuthorID int64  `db:"author_id,unique"`
	Bio      string `db:"bio"`
}

func (ProfileV2) TableName() string { return "profiles" }

type PostV2 struct {
	ID          int64             `db:"id,pk"`
	AuthorID    int64             `db:"author_id"`
	EditorID    *int64            `db:"editor_id"`
	ReviewerID  *int64            `db:"reviewer_id"`
	Title       string            `db:"title,size=300,index"`
	Slug        string            `db:"slug,size=100,unique"`
	Body        *string           `db:"body"`
	Draft       bool              `db:"draft,default=false"`
	Views       int64             `db:"views,default=0"`
	Rating      int32             `db:"rating"`
	Summary     *string           `db:"summary"`
	Meta        map[string]string `db:"meta"`
	Extra       PostExtra         `db:"extra"`
	Cover       []byte            `db:"cover"`
	ExternalID  string            `db:"external_id,uuid"`
	PublishedAt *time.Time        `db:"published_at"`
	Author      *AuthorV2         `rel:"belongs_to,ondelete=cascade"`
	Editor      *AuthorV2         `rel:"belongs_to,ondelete=set null"`
	Reviewer    *AuthorV2         `rel:"belongs_to,ondelete=set null"`
	Comments    []CommentV2       `rel:"has_many,fk=PostID"`
	CreatedAt   time.Time         `db:",created_at"`
	UpdatedAt   time.Time         `db:",updated_at"`
	DeletedAt   *time.Time        `db:",deleted_at"`
}

func (PostV2) TableName() string { return "posts" }

type CommentV2 struct {
	ID     int64   `db:"id,pk"`
	PostID int64   `db:"post_id"`
	Body   string  `db:"body,size=500"`
	Stars  int32   `db:"stars,default=5"`
	Post   *PostV2 `rel:"belongs_to,ondelete=cascade"`
}

func (CommentV2) TableName() string { return "comments" }

// Two tables that refer to each other: a cycle of foreign keys.

type Team struct {
	ID        int64   `db:"id,pk"`
	CaptainID *int64  `db:"captain_id"`
	Captain   *Player `rel:"belongs_to,ondelete=set null"`
}

func (Team) TableName() string { return "teams" }

type Player struct {
	ID     int64  `db:"id,pk"`
	TeamID *int64 `db:"team_id"`
	Team   *Team  `rel:"belongs_to,ondelete=set null"`
}

func (Player) TableName() string { return "players" }

// A composite index that is the only one a foreign key can use, then
// removed: MySQL refuses to drop it before the foreign key's own index
// exists.

type Shelf struct {
	ID int64 `db:"id,pk"`
}

func (Shelf) TableName() string { return "shelves" }

type Book struct {
	ID      int64  `db:"id,pk"`
	ShelfID int64  `db:"shelf_id,index=idx_books_shelf_title"`
	Title   string `db:"title,size=100,index=idx_books_shelf_title"`
	Shelf   *Shelf `rel:"belongs_to"`
}

func (Book) TableName() string { return "books" }

type BookV2 struct {
	ID      int64  `db:"id,pk"`
	ShelfID int64  `db:"shelf_id"`
	Title   string `db:"title,size=100"`
	Shelf   *Shelf `rel:"belongs_to"`
}

func (BookV2) TableName() string { return "books" }
