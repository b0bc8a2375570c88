"""From gathered records to the files to upload: where they go (destination), which pages
go in which file under a size limit (fit, plan), each file's front matter (front), its
pages, bands, outline and links (assemble), its manifest (manifest), encryption
(encrypt), and writing all of them or none (volumes)."""
