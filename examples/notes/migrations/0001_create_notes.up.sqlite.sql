-- 0001_create_notes (up, sqlite): written by migrate.Make from the models. Review it before committing.

-- Create table notes (model Note)
CREATE TABLE "notes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "title" VARCHAR(100) NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL
);
CREATE INDEX "idx_notes_created_at" ON "notes" ("created_at");
