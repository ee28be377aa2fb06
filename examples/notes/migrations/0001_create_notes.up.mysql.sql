CREATE TABLE notes (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    title VARCHAR(100) NOT NULL,
    body TEXT NOT NULL,
    created_at DATETIME(6) NOT NULL
);
CREATE INDEX idx_notes_created_at ON notes (created_at);
