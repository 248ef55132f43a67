#!/usr/bin/env python3
"""Build rules/platforms_known.yaml from the platform reference tables.

    python3 rules/tools/build_platform_table.py SOURCE_DIR > rules/platforms_known.yaml

SOURCE_DIR holds the reference tables described in its SOURCES.tsv (refine.bio's
config/supported_microarray_platforms.csv, config/readable_affymetrix_names.csv,
config/supported_rnaseq_platforms.txt, the joins derived_platform_reference.tsv and
raw_platform_string_variants.tsv, and Eco-ODAP's bmdx_platforms table).  gxload never
reads SOURCE_DIR: the output is committed, and curated additions go into the
`platforms:` list of rules/platforms.yaml, not into the generated file.

One entry per chip or instrument:
  key          refine.bio's internal code (hgu133plus2, Illumina_HumanHT-12_V4.0), the
               instrument model without spaces for RNA-seq (IlluminaHiSeq2500), or the
               GPL for chips refine.bio does not know
  name         canonical name without refine.bio's "[CODE] " prefix
  accessions   every GEO/ArrayExpress accession refine.bio maps to the chip, primary
               (refine.bio's first) first
  aliases      other spellings seen in the tables
An alias or accession that would name two chips is reported on stderr and kept only
for the first chip (refine.bio's list order), so lookups stay unambiguous.
"""
import csv
import os
import re
import sys


def norm(s):
    return re.sub(r'[^0-9a-z]', '', s.lower())


def read_csv(path, delim=','):
    with open(path, newline='') as f:
        return list(csv.DictReader(f, delimiter=delim))


def yaml_str(s):
    if re.fullmatch(r'[A-Za-z0-9][A-Za-z0-9 ._+()/-]*', s) and not s.endswith(' ') \
            and s.lower() not in ('yes', 'no', 'true', 'false', 'null', 'on', 'off', 'y', 'n'):
        return s
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def main(src):
    chips = {}          # key -> dict
    order = []

    def chip(key, name, manufacturer, technology):
        if key not in chips:
            chips[key] = dict(key=key, name=name, manufacturer=manufacturer,
                              technology=technology, accessions=[], aliases=[])
            order.append(key)
        return chips[key]

    supported = read_csv(os.path.join(src, 'refinebio__config_supported_microarray_platforms.csv'))
    readable = read_csv(os.path.join(src, 'refinebio__config_readable_affymetrix_names.csv'))
    derived = read_csv(os.path.join(src, 'derived_platform_reference.tsv'), '\t')
    variants = read_csv(os.path.join(src, 'raw_platform_string_variants.tsv'), '\t')
    eco = read_csv(os.path.join(src, 'eco_odap__bmdx_platforms.tsv'), '\t')
    with open(os.path.join(src, 'refinebio__config_supported_rnaseq_platforms.txt')) as f:
        rnaseq = [l.strip() for l in f if l.strip()]

    # readable names are keyed by the CEL header, which equals the internal code once
    # both are reduced to letters and digits (HuEx-1_0-st ~ huex10st)
    readable_by_norm = {norm(r['expected_cel_header']): r['human_readable_name'] for r in readable}
    derived_by_id = {}
    for r in derived:
        if r['internal_id']:
            derived_by_id.setdefault(r['internal_id'], r)

    for r in supported:
        code = r['internal_accession']
        full = readable_by_norm.get(norm(code), '')
        d = derived_by_id.get(code, {})
        manufacturer = d.get('manufacturer') or ('Illumina' if code.startswith('Illumina') else 'Affymetrix')
        m = re.match(r'^\[([^\]]+)\]\s*(.*)$', full)
        name = (m.group(2) if m else full) or d.get('canonical_name', '')
        aliases = []
        if m:
            aliases += [full, m.group(1)]
        elif full:
            aliases.append(full)
        if not name:
            name = code
        # two slips in refine.bio's readable names: a repeated word for the exon array,
        # and the Ovine Gene 1.0 ST array called 1.1 (its code says 1_0)
        fixed = name.replace('Human Human', 'Human')
        if code == 'ovigene10st':
            fixed = fixed.replace('1.1', '1.0')
        if fixed != name:
            aliases.append(name)
            name = fixed
        if manufacturer == 'Illumina':
            aliases += [name + ' expression beadchip', name.replace('Illumina ', '', 1)]
        elif not name.startswith('Affymetrix'):
            aliases.append(name)
            name = 'Affymetrix ' + name
        c = chip(code, name, manufacturer, 'MICROARRAY')
        c['label'] = m.group(1) if m else code
        c['accessions'].append(r['external_accession'])
        c['aliases'] += aliases

    # other spellings (ArrayExpress/foreman titles, Eco-ODAP names) by internal id or GPL
    acc_owner = {}
    for k in order:
        for a in chips[k]['accessions']:
            acc_owner.setdefault(a, k)
    for r in variants:
        where = r['where_seen']
        raw = r['raw_string'].strip()
        target = r['internal_id'] if r['internal_id'] in chips else None
        if not target:
            for g in filter(None, r['gpl_accessions'].split(';')):
                if g in acc_owner:
                    target = acc_owner[g]
                    break
        if target:
            chips[target]['aliases'].append(raw)
            m = re.match(r'^(.*?)\s*\[[^\]]+\]\s*$', raw)
            if m and where.startswith('refinebio foreman'):
                chips[target]['aliases'].append(m.group(1))
    for r in eco:
        gpl, name, provider = r['ID'], r['Name'].strip(), r['Provider'].strip()
        # BMDExpress also lists TempO-Seq panels and genome annotations (hg38_RefSeq):
        # not platforms a GEO or refine.bio sample names
        if not re.fullmatch(r'GPL\d+', gpl):
            continue
        if gpl in acc_owner:
            chips[acc_owner[gpl]]['aliases'].append(name)
            continue
        canonical = name
        if provider == 'Agilent' and re.match(r'^\d', name):
            canonical = 'Agilent-' + name
        elif not name.startswith(provider):
            canonical = provider + ' ' + name
        c = chip(gpl, canonical, provider, 'MICROARRAY')
        c['accessions'].append(gpl)
        if canonical != name:
            c['aliases'].append(name)
        acc_owner[gpl] = gpl

    for model in rnaseq:
        key = model.replace(' ', '')
        if model.startswith('Ion Torrent'):
            name, manufacturer = model, 'Ion Torrent'
        elif model.startswith('Illumina'):
            name, manufacturer = model, 'Illumina'
        else:
            name, manufacturer = 'Illumina ' + model, 'Illumina'
        c = chip(key, name, manufacturer, 'RNA-SEQ')
        c['aliases'] += [model, name.replace(' ', ''), model.replace('Illumina ', '', 1)]

    # refine.bio gives some chips one readable name (RG_U34A/B/C are all "Affymetrix Rat
    # Genome U34 Array"): those keep their bracket code in the name
    by_name = {}
    for k in order:
        by_name.setdefault(norm(chips[k]['name']), []).append(k)
    for ks in by_name.values():
        if len(ks) > 1:
            for k in ks:
                c = chips[k]
                c['aliases'].append(c['name'])
                c['name'] = '%s (%s)' % (c['name'], c.get('label', k))

    # drop repeats, and any alias or accession that would name two chips
    owners = {}
    for k in order:
        c = chips[k]
        for a in [c['key'], c['name']] + c['aliases']:
            owners.setdefault(norm(a), set()).add(k)
    for k in order:
        for s in (chips[k]['key'], chips[k]['name']):
            if len(owners[norm(s)]) > 1:
                sys.exit('%r of %s also names %s' % (s, k, sorted(owners[norm(s)] - {k})))
    seen_acc = {}
    for k in order:
        c = chips[k]
        accs = []
        for a in c['accessions']:
            owner = seen_acc.setdefault(a, k)
            if owner != k:
                print('accession %s of %s already names %s: kept there' % (a, k, owner),
                      file=sys.stderr)
            elif a not in accs:
                accs.append(a)
        c['accessions'] = accs
        aliases, norms, dropped = [], {norm(c['key']), norm(c['name'])}, set()
        for a in c['aliases']:
            n = norm(a)
            if not n or n in norms:
                continue
            norms.add(n)
            if len(owners[n]) > 1:
                if n not in dropped:
                    print('alias %r names %s: dropped' % (a, ', '.join(sorted(owners[n]))),
                          file=sys.stderr)
                dropped.add(n)
                continue
            aliases.append(a)
        c['aliases'] = aliases

    out = sys.stdout
    out.write('# Known platforms: generated by rules/tools/build_platform_table.py from the\n'
              '# platform reference tables (refine.bio config/ and foreman/ at 288d43ca, MetaSRA,\n'
              '# Eco-ODAP; see the script).  Do not edit: add or extend platforms in the\n'
              '# `platforms:` list of platforms.yaml instead.\n'
              'kind: platform_table\n'
              'source: refine.bio supported_microarray_platforms + readable_affymetrix_names + '
              'supported_rnaseq_platforms; Eco-ODAP bmdx_platforms\n'
              'platforms:\n')
    for k in order:
        c = chips[k]
        out.write('  - key: %s\n' % yaml_str(c['key']))
        out.write('    name: %s\n' % yaml_str(c['name']))
        out.write('    manufacturer: %s\n' % yaml_str(c['manufacturer']))
        out.write('    technology: %s\n' % c['technology'])
        if c['accessions']:
            out.write('    accessions: [%s]\n' % ', '.join(c['accessions']))
        if c['aliases']:
            out.write('    aliases:\n')
            for a in c['aliases']:
                out.write('      - %s\n' % yaml_str(a))


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit('usage: build_platform_table.py SOURCE_DIR')
    main(sys.argv[1])
