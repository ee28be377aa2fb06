-- 0001_create_notes (down, mysql): written by migrate.Make from the models. Review it before committing.

-- Drop table notes
DROP TABLE `notes`;
