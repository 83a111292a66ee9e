// Package volcchain adds the Volcengine SDK's shared credentials file
// (~/.volcengine/credentials, or VOLCSTACK_SHARED_CREDENTIALS_FILE; profile
// VOLCSTACK_PROFILE, else "default") to the volc-cdn and volc-mcdn drivers' fallback
// chain, for the command: import it for its side effect.
//
// It is a package of its own because the file's INI parser costs 66 KB that the
// functions never use (a function has no home directory with a credentials file): they
// do not import it, and read explicit keys, VOLCENGINE_* and VOLCSTACK_* only. A binary
// built without either Volcengine provider (build tags, see shared/provider/all) gets an
// empty package.
package volcchain
