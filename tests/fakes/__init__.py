"""Local stand-ins for the services the tests need (AWS via moto, Google)."""
