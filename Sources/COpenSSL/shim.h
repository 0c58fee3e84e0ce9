// The system's OpenSSL 3 libcrypto, for RSA signing only (see RSAKeys.swift and docs/decisions.md).
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
