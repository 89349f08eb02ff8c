package team

// ExtractCode lets the external tests reuse the extraction on scripted answers.
var ExtractCode = extractCode
