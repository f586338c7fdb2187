"""The notarial protocol archive (Archivo General de Protocolos) inside the certificates service: notaries,
deposits of testimonios especiales, the annual index, the remote look-up and certified copies."""
