import { useEffect, useState } from 'preact/hooks';
import { flatten, loadCategories, type FlatCategory } from './categories';
import { showError } from './errors';

/** Every category, flattened for a <select>; null while loading. */
export function useCategoryList(): FlatCategory[] | null {
  const [list, setList] = useState<FlatCategory[] | null>(null);
  useEffect(() => {
    loadCategories().then(
      (tree) => setList(flatten(tree)),
      (e) => {
        showError(e);
        setList([]);
      },
    );
  }, []);
  return list;
}
