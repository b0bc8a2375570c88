"""Record files (the PDFs and images a packet lists): what they may be (limits, access),
what they are (inspect), made safe in capped child processes (isolate, sanitise, images,
active, objects), recompressed to fit a size limit (recompress), gathered for the build
(gather), and what was done to each, said once (notes)."""
