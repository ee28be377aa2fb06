-- 0001_create_notes (up, mysql): written by migrate.Make from the models. Review it before committing.

-- Create table notes (model Note)
CREATE TABLE `notes` (
    `id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    `title` VARCHAR(100) NOT NULL,
    `body` LONGTEXT NOT NULL,
    `created_at` DATETIME(6) NOT NULL,
    INDEX `idx_notes_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
