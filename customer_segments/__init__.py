"""customer_segments: point-in-time customer features, EM segments scored in SQL, readable rules."""
