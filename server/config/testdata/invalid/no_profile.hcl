# Nothing but a store.
store "memory" {}

