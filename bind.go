package kiln

// BindConfig sets limits and strictness for Bind. The zero value gives the
// documented defaults.
type BindConfig struct {
	// MaxBodyBytes limits JSON, XML and urlencoded form bodies. Larger
	// bodies are answered 413. Defaults to 1 MiB.
	MaxBodyBytes int64
	// MaxMultipartBytes limits multipart bodies, files included. Defaults
	// to 32 MiB.
	MaxMultipartBytes int64
	// MaxMultipartMemory is how much of a multipart body is kept in memory;
	// the rest of the files go to temporary files. Defaults to 8 MiB.
	MaxMultipartMemory int64
	// AllowUnknownFields accepts JSON object keys that match no field.
	// Defaults to false: unknown keys are a 400 naming the key.
	AllowUnknownFields bool
}
